using Mnist.Testing;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.Client.Tests;

/// <summary>The SDK's two recognizers agree with each other and with <c>mnist predict</c> on the same strokes.</summary>
[Collection("server")]
public sealed class RecognizerAgreementTests(ServerFixture fixture, ITestOutputHelper output)
{
    private const float ProbabilityTolerance = 1e-4f;

    [Fact]
    public async Task Device_server_and_mnist_predict_give_the_same_answers_for_50_pendigits_drawings()
    {
        PendigitsSample[] samples = Pendigits.Spread(50);
        using ServiceProvider services = fixture.Services(o => o.ModelPath = fixture.ModelPath);
        IDigitRecognizer device = services.GetRequiredKeyedService<IDigitRecognizer>("device");
        IDigitRecognizer server = services.GetRequiredKeyedService<IDigitRecognizer>("server");
        Assert.Equal("device", device.Mode);
        Assert.Equal("server", server.Mode);

        var deviceResults = new List<DigitResult>();
        var serverResults = new List<DigitResult>();
        foreach (PendigitsSample s in samples)
        {
            StrokeDrawing drawing = StrokeDrawing.FromArrays(s.Strokes);
            deviceResults.Add(await device.RecognizeAsync(drawing));
            serverResults.Add(await server.RecognizeAsync(drawing));
        }
        List<JsonElement> cli = RunMnistPredict(samples);

        int correct = 0;
        double maxDiff = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            DigitResult d = deviceResults[i], r = serverResults[i];
            JsonElement c = cli[i];
            Assert.NotNull(d.Digit);
            Assert.Equal(d.Digit, r.Digit);
            Assert.Equal(d.Digit, c.GetProperty("digit").GetInt32());
            float[] cliProbabilities = c.GetProperty("probabilities").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            for (int k = 0; k < 10; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Max(Math.Abs(d.Probabilities[k] - r.Probabilities[k]), Math.Abs(d.Probabilities[k] - cliProbabilities[k])));
                Assert.Equal(d.Probabilities[k], r.Probabilities[k], ProbabilityTolerance);
                Assert.Equal(d.Probabilities[k], cliProbabilities[k], ProbabilityTolerance);
            }
            if (d.Digit == samples[i].Label) correct++;
        }
        output.WriteLine($"50 drawings: device = server = mnist predict on every digit; max probability difference {maxDiff:E2}; {correct}/50 correct ({TestModel.Description})");
    }

    [Fact]
    public async Task A_drawing_without_a_digit_is_answered_locally_by_both()
    {
        using ServiceProvider services = fixture.Services(o => o.ModelPath = fixture.ModelPath);
        int calls = fixture.Server.PredictCalls;
        StrokeDrawing dot = StrokeDrawing.FromArrays([[[100f, 100f], [101f, 102f]]], 400, 400);
        StrokeDrawing nothing = StrokeDrawing.FromArrays([]);
        foreach (string mode in new[] { "device", "server" })
        {
            IDigitRecognizer recognizer = services.GetRequiredKeyedService<IDigitRecognizer>(mode);
            DigitResult a = await recognizer.RecognizeAsync(dot);
            Assert.True(a.IsEmpty);
            Assert.Equal(Engine.Preprocessing.NoDigitReason.TooSmall, a.NoDigitReason);
            Assert.Equal(Engine.Preprocessing.NoDigitReason.NoInk, (await recognizer.RecognizeAsync(nothing)).NoDigitReason);
            Assert.All(a.Probabilities, p => Assert.Equal(0f, p));
        }
        Assert.Equal(calls, fixture.Server.PredictCalls);
    }

    /// <summary>Runs <c>mnist predict --model M drawings.jsonl --json</c> as a child process, as a user would.</summary>
    private List<JsonElement> RunMnistPredict(PendigitsSample[] samples)
    {
        string dir = Directory.CreateTempSubdirectory("mnist-client-cli-").FullName;
        try
        {
            string jsonl = Path.Combine(dir, "drawings.jsonl");
            File.WriteAllLines(jsonl, samples.Select(s => JsonSerializer.Serialize(new { label = s.Label, strokes = s.Strokes })));
            ProcessResult r = ChildProcess.Run("dotnet",
                [Path.Combine(AppContext.BaseDirectory, "mnist.dll"), "predict", "--model", fixture.ModelPath, jsonl, "--json"],
                TimeSpan.FromMinutes(2), dir);
            Assert.False(r.TimedOut, "mnist predict did not finish");
            Assert.True(r.ExitCode == 0, $"mnist predict exit {r.ExitCode}: {r.StdErr}");
            List<JsonElement> lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(samples.Length, lines.Count);
            return lines;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
