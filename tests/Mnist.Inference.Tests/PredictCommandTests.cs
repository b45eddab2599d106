using Mnist.Testing;
using System.Diagnostics;
using System.Text.Json;
using Mnist.Engine.Preprocessing;
using Mnist.Inference.Tests.TestSupport;
using SkiaSharp;

using Mnist.Imaging;

namespace Mnist.Inference.Tests;

/// <summary>Runs <c>mnist predict</c> as a child process (the mnist.dll copied next to the tests), as a user would.</summary>
public sealed class PredictCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnist-predict-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Out, string Err) Run(string workingDirectory, params string[] args)
    {
        ProcessResult r = ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "mnist.dll"), .. args], TimeSpan.FromSeconds(60), workingDirectory);
        Assert.False(r.TimedOut, "mnist predict did not finish in 60 s");
        return (r.ExitCode, r.StdOut, r.StdErr);
    }

    private (string Model, string Png, string Jsonl, byte[] PngBytes) Inputs()
    {
        string model = Path.Combine(_dir, "linear.onnx");
        File.WriteAllBytes(model, TestModels.Linear());
        byte[] gray = TestImages.Canvas(TestImages.Digit(0), 64, 64, 2, 4, 4);
        byte[] png = TestImages.Encode(TestImages.GrayToRgba(gray), 64, 64, SKEncodedImageFormat.Png);
        string pngPath = Path.Combine(_dir, "seven.png");
        File.WriteAllBytes(pngPath, png);
        string jsonl = Path.Combine(_dir, "strokes.jsonl");
        File.WriteAllLines(jsonl,
        [
            """{"label":1,"strokes":[[[50,0],[50,100]]]}""",
            "",
            """{"strokes":[],"label":0}""",
            "{oops",
            """{"label":7,"strokes":[[[0,0],[60,0],[30,100]]]}""",
        ]);
        return (model, pngPath, jsonl, png);
    }

    [Fact]
    public void Json_output_has_one_object_per_image_and_line_and_reports_errors()
    {
        (string model, string png, string jsonl, byte[] pngBytes) = Inputs();
        string missing = Path.Combine(_dir, "missing.png");
        (int exit, string stdout, string stderr) = Run(_dir, "predict", "--model", model, png, jsonl, missing, "--json");

        Assert.True(exit == 1, $"exit {exit}; stderr: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([png, $"{jsonl}:1", $"{jsonl}:3", $"{jsonl}:4", $"{jsonl}:5", missing], lines.Select(l => l.GetProperty("file").GetString()));

        PreprocessResult p = ImageDecoder.Preprocess(pngBytes);
        double[] expected = TestModels.LinearExpected(p.Pixels);
        JsonElement first = lines[0];
        Assert.Equal(Array.IndexOf(expected, expected.Max()), first.GetProperty("digit").GetInt32());
        Assert.Equal(expected.Max(), first.GetProperty("confidence").GetDouble(), 5);
        Assert.Equal(10, first.GetProperty("probabilities").GetArrayLength());

        Assert.Equal(JsonValueKind.Number, lines[1].GetProperty("digit").ValueKind);
        Assert.Equal(JsonValueKind.Null, lines[2].GetProperty("digit").ValueKind);
        Assert.Equal(10, lines[2].GetProperty("probabilities").GetArrayLength());
        Assert.Contains("JSON", lines[3].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, lines[4].GetProperty("digit").ValueKind);
        Assert.Equal("file not found", lines[5].GetProperty("error").GetString());
    }

    [Fact]
    public void Human_output_shows_a_table_and_the_preprocessed_image_and_finds_the_default_model()
    {
        (string model, string png, _, _) = Inputs();
        Directory.CreateDirectory(Path.Combine(_dir, "models"));
        File.Copy(model, Path.Combine(_dir, "models", "mnist.onnx"));
        string sub = Directory.CreateDirectory(Path.Combine(_dir, "a", "b")).FullName;

        (int exit, string stdout, string stderr) = Run(sub, "predict", png, "--show");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains("seven.png", stdout, StringComparison.Ordinal);
        Assert.Contains("confidence", stdout, StringComparison.Ordinal);
        Assert.Contains("preprocessed 28x28", stdout, StringComparison.Ordinal);
        Assert.Contains("@@", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Unloadable_model_exits_with_1_and_a_message()
    {
        // Exit 2 is for a wrong command line; a file that is no model is a failure of the work (exit 1).
        string bad = Path.Combine(_dir, "bad.onnx");
        File.WriteAllText(bad, "not a model");
        (int exit, _, string stderr) = Run(_dir, "predict", "--model", bad, "x.png");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: cannot load model", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }
}
