using System.Globalization;
using System.Text.Json;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>
/// The browser's number.js against the C# <see cref="NumberReader.FromStrokes"/>: the same segmentation (pieces,
/// shape rules, penalties, dynamic programming, tie-breaking) on pendigits numbers. Both sides use the same
/// deterministic stand-in for the model (a softmax of the image's pixel sums over the columns ≡ d mod 10), so any
/// difference is the port's, not the model runtime's.
/// </summary>
[Collection("app")]
public sealed class NumberParityTests(AppFixture app, ITestOutputHelper output)
{
    private const string FakeModelJs = """
        async (x, n) => {
          const out = new Float32Array(n * 10);
          for (let i = 0; i < n; i++) {
            const z = new Float64Array(10);
            for (let j = 0; j < 784; j++) z[j % 10] += x[i * 784 + j];
            let max = -Infinity, sum = 0;
            for (const v of z) max = Math.max(max, v);
            const e = Array.from(z, (v) => Math.exp(v - max));
            for (const v of e) sum += v;
            for (let d = 0; d < 10; d++) out[i * 10 + d] = e[d] / sum;
          }
          return out;
        }
        """;

    private static void FakeModel(ReadOnlySpan<float> x, int n, Span<float> probabilities)
    {
        for (int i = 0; i < n; i++)
        {
            var z = new double[10];
            for (int j = 0; j < 784; j++) z[j % 10] += x[i * 784 + j];
            double max = z.Max(), sum = 0;
            double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
            foreach (double v in e) sum += v;
            for (int d = 0; d < 10; d++) probabilities[i * 10 + d] = (float)(e[d] / sum);
        }
    }

    [Fact]
    public async Task Chromium_reads_the_same_numbers_as_the_CSharp_reader()
    {
        AppFixture.RequireChromium();
        SyntheticNumber[] numbers = [.. SyntheticNumbers.Make(20, seed: 11), .. SyntheticNumbers.Make(5, seed: 12, minDigits: 5, maxDigits: 7)];
        // Each number also on a canvas (the dot check on: small strokes framed alone come out "too small").
        var cases = new List<(string Name, float[][][] Strokes, float W, float H)>();
        foreach (SyntheticNumber n in numbers)
        {
            cases.Add(($"{n.Label} (writer {n.Writer})", n.Strokes, 0, 0));
            cases.Add(($"{n.Label} on a 2000×500 canvas", n.Strokes, 2000, 500));
        }
        cases.Add(("one stroke", [[[0, 0], [0, 100]]], 0, 0));
        cases.Add(("a dot and a one", [[[0, 100], [1, 101]], [[30, 0], [30, 100]]], 0, 0));

        await using var context = await app.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress + "index.html");
        string json = JsonSerializer.Serialize(cases.Select(c => new { strokes = c.Strokes, w = c.W, h = c.H }));
        JsonElement results = await page.EvaluateAsync<JsonElement>($$"""
            async (json) => {
              const { readNumber } = await import('/js/number.js');
              const model = {{FakeModelJs}};
              const out = [];
              for (const c of JSON.parse(json)) {
                const r = await readNumber(c.strokes, model, c.w, c.h);
                out.push({ number: r.number, confident: r.confident, confidence: r.confidence,
                           boxes: r.digits.map(d => d.box), probabilities: r.digits.map(d => Array.from(d.probabilities)) });
              }
              return out;
            }
            """, json);

        int same = 0;
        var differences = new List<string>();
        for (int i = 0; i < cases.Count; i++)
        {
            (string name, float[][][] strokes, float w, float h) = cases[i];
            IReadOnlyList<IReadOnlyList<StrokePoint>> points = [.. strokes.Select(s => (IReadOnlyList<StrokePoint>)[.. s.Select(p => new StrokePoint(p[0], p[1]))])];
            NumberReading expected = NumberReader.FromStrokes(points, FakeModel, w, h);
            JsonElement actual = results[i];
            string number = actual.GetProperty("number").GetString()!;
            string boxes = string.Join(";", actual.GetProperty("boxes").EnumerateArray().Select(b => string.Join(",", b.EnumerateArray().Select(v => v.GetSingle().ToString("R", CultureInfo.InvariantCulture)))));
            string expectedBoxes = string.Join(";", expected.Digits.Select(d => string.Join(",", new[] { d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height }.Select(v => ((float)v).ToString("R", CultureInfo.InvariantCulture)))));
            bool ok = number == expected.Number && boxes == expectedBoxes && actual.GetProperty("confident").GetBoolean() == expected.IsConfident
                && Math.Abs(actual.GetProperty("confidence").GetDouble() - expected.Confidence) <= 1e-5;
            if (ok) same++;
            else differences.Add($"{name}: C# {expected.Number} [{expectedBoxes}] {expected.Confidence}, JS {number} [{boxes}] {actual.GetProperty("confidence").GetDouble()}");
        }
        output.WriteLine($"number.js vs NumberReader.FromStrokes: {same}/{cases.Count} identical readings");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }
}
