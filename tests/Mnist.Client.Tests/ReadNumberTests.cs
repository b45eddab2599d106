using System.Net.Http.Json;
using Mnist.Engine.Preprocessing;
using Mnist.TestSupport;
using Mnist.Wire;

namespace Mnist.Client.Tests;

/// <summary>The SDK against the real server: the wire contract (one source, Mnist.Wire) and reading numbers in both modes.</summary>
[Collection(RealServerCollection.Name)]
public class ReadNumberTests(RealServerFixture server)
{
    /// <summary>A zigzag with 2-unit spacing that fills a 100×100 square: ink everywhere, a blob.</summary>
    private static float[][] Scribble()
    {
        var points = new List<float[]>();
        for (int y = 0; y <= 100; y += 2) { points.Add([0, y]); points.Add([100, y]); points.Add([100, y + 1]); points.Add([0, y + 1]); }
        return [.. points];
    }

    /// <summary>Every no-digit reason the server can give for strokes, with a drawing that produces it.</summary>
    public static TheoryData<string, NoDigitReason> NoDigitDrawings => new()
    {
        { "no strokes", NoDigitReason.NoInk },
        { "one point", NoDigitReason.TooSmall },
        { "dot on a large canvas", NoDigitReason.TooSmall },
        { "filled square", NoDigitReason.Blob },
    };

    private static StrokeDrawing NoDigitDrawing(string name) => name switch
    {
        "no strokes" => new StrokeDrawing([]),
        "one point" => StrokeDrawing.FromArrays([[[50f, 50f], [50f, 50f]]], 200, 200),
        "dot on a large canvas" => StrokeDrawing.FromArrays([[[500f, 500f], [503f, 504f]]], 1000, 1000),
        "filled square" => StrokeDrawing.FromArrays([Scribble()], 400, 400),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(NoDigitDrawings))]
    public async Task RemoteReadingReportsTheServersNoDigitReason(string name, NoDigitReason expected)
    {
        StrokeDrawing drawing = NoDigitDrawing(name);
        NumberResult remote = await server.Remote.ReadNumberAsync(drawing);
        Assert.True(remote.IsEmpty, name);
        Assert.Equal("", remote.Number);
        Assert.Equal(expected, remote.NoDigitReason);
        Assert.False(string.IsNullOrEmpty(remote.Message));
        Assert.Equal("server", remote.Mode);
        Assert.NotNull(remote.ServerMilliseconds);
        // The device reads the same drawing to the same reason.
        NumberResult device = server.Device.ReadNumber(drawing);
        Assert.Equal(expected, device.NoDigitReason);
    }

    [Theory]
    [MemberData(nameof(NoDigitDrawings))]
    public async Task RemotePredictionMapsTheServersNoDigitAnswer(string name, NoDigitReason expected)
    {
        // RecognizeAsync answers a no-digit drawing locally; its mapping of the server's answer is fed the real server's
        // /v1/predict output here, so a field name drifting between the two (once "reason" vs "no_digit") fails.
        StrokeDrawing drawing = NoDigitDrawing(name);
        var body = new PredictRequest(Strokes: drawing.Strokes.Select(s => s.Select(p => new[] { p.X, p.Y }).ToArray()).ToArray(),
            Width: drawing.CanvasWidth > 0 ? drawing.CanvasWidth : null, Height: drawing.CanvasHeight > 0 ? drawing.CanvasHeight : null);
        using HttpResponseMessage response = await server.Client.PostAsJsonAsync("/v1/predict", body, WireJsonContext.Default.PredictRequest);
        response.EnsureSuccessStatusCode();
        PredictionResponse answer = (await response.Content.ReadFromJsonAsync(WireJsonContext.Default.PredictionResponse))!;
        DigitResult result = RemoteDigitRecognizer.ToResult(answer, "server", 0);
        Assert.True(result.IsEmpty);
        Assert.Equal(expected, result.NoDigitReason);
        Assert.Equal(expected, (await server.Device.RecognizeAsync(drawing)).NoDigitReason);
    }

    [Fact]
    public async Task ReadsTheSameNumberOnTheDeviceAndOnTheServer()
    {
        StrokeDrawing drawing = PendigitsNumber("3085");
        NumberResult device = await server.Device.ReadNumberAsync(drawing);
        NumberResult remote = await server.Remote.ReadNumberAsync(drawing);
        Assert.Equal("device", device.Mode);
        Assert.Equal("server", remote.Mode);
        Assert.Equal(4, device.Digits.Count);
        Assert.Equal(device.Number, remote.Number);
        Assert.Equal(device.Digits.Count, remote.Digits.Count);
        for (int i = 0; i < device.Digits.Count; i++)
        {
            NumberDigit d = device.Digits[i], r = remote.Digits[i];
            Assert.Equal(d.Digit, r.Digit);
            Assert.Equal(d.IsConfident, r.IsConfident);
            Assert.Equal(d.Box.X, r.Box.X, 1e-3f);
            Assert.Equal(d.Box.Width, r.Box.Width, 1e-3f);
            for (int k = 0; k < 10; k++) Assert.Equal(d.Probabilities[k], r.Probabilities[k], 1e-4f);
        }
        Assert.Equal(device.Confidence, remote.Confidence, 1e-4f);
        Assert.Equal(NoDigitReason.None, remote.NoDigitReason);
        Assert.Null(remote.Message);
    }

    [Fact]
    public async Task ReadsASimpleTwoDigitDrawingInBothModes()
    {
        // A "1" and a "0" side by side.
        StrokeDrawing drawing = StrokeDrawing.FromArrays([[[10f, 10f], [11f, 55f], [10f, 100f]], [[40f, 10f], [80f, 10f], [80f, 100f], [40f, 100f], [40f, 10f]]], 200, 200);
        Assert.Equal("10", (await server.Device.ReadNumberAsync(drawing)).Number);
        Assert.Equal("10", (await server.Remote.ReadNumberAsync(drawing)).Number);
    }

    /// <summary>Pendigits samples of the given digits, scaled to one height and set side by side with gaps.</summary>
    private static StrokeDrawing PendigitsNumber(string digits)
    {
        PendigitsSample[] pool = Pendigits.Spread(200);
        var strokes = new List<float[][]>();
        float x = 20;
        foreach (char c in digits)
        {
            PendigitsSample s = pool.First(p => p.Label == c - '0');
            float[][] points = s.Strokes.SelectMany(st => st).ToArray();
            float x0 = points.Min(p => p[0]), y0 = points.Min(p => p[1]), h = points.Max(p => p[1]) - y0, w = points.Max(p => p[0]) - x0;
            float k = 200f / h;
            strokes.AddRange(s.Strokes.Select(st => st.Select(p => new[] { x + (p[0] - x0) * k, 50 + (p[1] - y0) * k }).ToArray()));
            x += w * k + 60;
        }
        return StrokeDrawing.FromArrays(strokes, x + 20, 300);
    }
}
