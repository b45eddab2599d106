using System.Diagnostics;
using System.Text.Json;
using Mnist.Engine.Preprocessing;
using Mnist.TestSupport;
using Mnist.Testing;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>One stroke input of the golden-vector parity tests.</summary>
public sealed record ParityCase(string Name, float[][][] Strokes, float CanvasWidth, float CanvasHeight);

/// <summary>
/// Golden vectors: the C# definition (<see cref="DigitPreprocessor.FromStrokes"/>) against its JavaScript twin
/// (wwwroot/js/preprocessing.js), run in Node and in Chromium, on 50 pendigits drawings and edge cases. Same
/// "no digit" reason, and every pixel within 1e-3 (the twin emulates float32, so the difference is expected to be 0).
/// </summary>
[Collection("app")]
public sealed class PreprocessingParityTests(AppFixture app, ITestOutputHelper output)
{
    private const double Tolerance = 1e-3;

    internal static List<ParityCase> Cases()
    {
        var cases = Pendigits.Spread(50).Select(s => new ParityCase($"pendigits #{s.Index} ({s.Label})", s.Strokes, 0, 0)).ToList();
        float[][][] seven = Pendigits.Spread(50)[7].Strokes;
        cases.AddRange(
        [
            new("no strokes", [], 0, 0),
            new("one empty stroke", [[]], 0, 0),
            new("single point", [[[5, 5]]], 0, 0),
            new("two identical points", [[[5, 5], [5, 5]]], 0, 0),
            new("tiny on a canvas (dot)", [[[100, 100], [103, 104]]], 400, 400),
            new("just above the dot size", [[[100, 100], [100, 117]]], 400, 400),
            new("horizontal line", [[[0, 10], [100, 10]]], 0, 0),
            new("vertical line", [[[50, 0], [50, 100]]], 0, 0),
            new("slanted one, fractional", [[[10.25f, 3.5f], [13.75f, 40.125f]]], 0, 0),
            new("seven", [[[0, 0], [60, 0], [30, 100]]], 0, 0),
            new("disk and line", [[[10, 10]], [[30, 0], [30, 80]]], 0, 0),
            new("negative coordinates", [[[-300, -200], [-250, -120], [-310, -60]]], 0, 0),
            new("far from the origin", [[[1e6f, 2e6f], [1e6f + 40, 2e6f + 90], [1e6f + 10, 2e6f + 5]]], 0, 0),
            new("tiny units", [[[0.001f, 0.002f], [0.004f, 0.011f], [0.0005f, 0.009f]]], 0, 0),
            new("scribbled blob", [Enumerable.Range(0, 40).Select(i => new[] { (float)(i % 2 * 50), i * 1.25f }).ToArray()], 0, 0),
            new("square ring", [[[0, 0], [50, 0], [50, 50], [0, 50], [0, 0]]], 0, 0),
            new("pendigit on a canvas", seven, 500, 500),
            new("pendigit scaled ×0.013", seven.Select(s => s.Select(p => new[] { p[0] * 0.013f, p[1] * 0.013f }).ToArray()).ToArray(), 0, 0),
            new("many points", [Enumerable.Range(0, 2000).Select(i => new[] { 100 + 80 * MathF.Cos(i * 0.0031f), 100 + 120 * MathF.Sin(i * 0.0047f) }).ToArray()], 0, 0),
            // Past 2,000 points both sides thin the drawing the same way before drawing it (issue 18).
            new("20,000 points around a circle ten times", [Enumerable.Range(0, 20_000).Select(i => new[] { 150 + 100 * MathF.Cos(i * 2 * MathF.PI / 2000), 150 + 100 * MathF.Sin(i * 2 * MathF.PI / 2000) }).ToArray()], 0, 0),
            new("20,000-point zig-zag within the ink budget", [Enumerable.Range(0, 20_000).Select(i => new[] { i * 300f / 20_000, i % 2 * 0.9f * 300f * 64 / 20_000 }).ToArray()], 0, 0),
            new("200 strokes of 15 points", Enumerable.Range(0, 200).Select(s => Enumerable.Range(0, 15).Select(i => new[] { s / 10 * 15 + MathF.Cos(i * 0.7f), s % 10 * 15 + MathF.Sin(i * 0.7f) }).ToArray()).ToArray(), 0, 0),
            // Past the ink budget both sides answer blob without drawing (issue 18).
            new("20,000-point zig-zag", [Enumerable.Range(0, 20_000).Select(i => new[] { i % 2 * 300f, i / 2 % 2 * 300f }).ToArray()], 0, 0),
        ]);
        return cases;
    }

    private static (string Reason, float[] Pixels) Expected(ParityCase c)
    {
        var strokes = c.Strokes.Select(s => (IReadOnlyList<StrokePoint>)s.Select(p => new StrokePoint(p[0], p[1])).ToArray()).ToArray();
        PreprocessResult r = DigitPreprocessor.FromStrokes(strokes, c.CanvasWidth, c.CanvasHeight);
        string reason = r.Reason switch
        {
            NoDigitReason.None => "none",
            NoDigitReason.NoInk => "no_ink",
            NoDigitReason.TooLittleInk => "too_little_ink",
            NoDigitReason.TooSmall => "too_small",
            NoDigitReason.Blob => "blob",
            _ => r.Reason.ToString(),
        };
        return (reason, r.Pixels);
    }

    private static string CasesJson(List<ParityCase> cases) => JsonSerializer.Serialize(
        cases.Select(c => new { name = c.Name, strokes = c.Strokes, w = c.CanvasWidth, h = c.CanvasHeight }));

    private double Compare(List<ParityCase> cases, JsonElement results, string runtime)
    {
        Assert.Equal(cases.Count, results.GetArrayLength());
        double maxDiff = 0;
        int digits = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            (string reason, float[] expected) = Expected(cases[i]);
            JsonElement r = results[i];
            Assert.True(reason == r.GetProperty("reason").GetString(), $"{runtime}, {cases[i].Name}: reason C# {reason}, JS {r.GetProperty("reason").GetString()}");
            float[] actual = r.GetProperty("pixels").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(784, actual.Length);
            if (reason == "none") digits++;
            for (int k = 0; k < 784; k++)
            {
                double d = Math.Abs(expected[k] - actual[k]);
                if (d > maxDiff) maxDiff = d;
                Assert.True(d <= Tolerance, $"{runtime}, {cases[i].Name}: pixel {k} (row {k / 28}, col {k % 28}) C# {expected[k]:R} JS {actual[k]:R} diff {d:E3}");
            }
        }
        output.WriteLine($"{runtime}: {cases.Count} cases ({digits} digits), max |C# − JS| per pixel = {maxDiff:E3}");
        File.AppendAllText(Path.Combine(TestPaths.Artifacts("measurements"), "parity.txt"),
            $"{DateTime.UtcNow:O} {runtime}: {cases.Count} cases ({digits} digits), max abs diff {maxDiff:E3}\n");
        return maxDiff;
    }

    [Fact]
    public void Node_runs_the_same_module_with_the_same_pixels()
    {
        string dir = Directory.CreateTempSubdirectory("mnist-parity-").FullName;
        try
        {
            // Node treats .js outside a "type":"module" package as CommonJS: the module is copied as .mjs, unchanged.
            File.Copy(Path.Combine(TestPaths.WebRoot, "js", "preprocessing.js"), Path.Combine(dir, "preprocessing.mjs"));
            File.WriteAllText(Path.Combine(dir, "run.mjs"), """
                import { readFileSync, writeFileSync } from 'node:fs';
                import { fromStrokes } from './preprocessing.mjs';
                const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
                const results = cases.map(c => { const r = fromStrokes(c.strokes, c.w, c.h); return { reason: r.reason, pixels: Array.from(r.pixels) }; });
                writeFileSync(process.argv[3], JSON.stringify(results));
                """);
            List<ParityCase> cases = Cases();
            string input = Path.Combine(dir, "cases.json"), result = Path.Combine(dir, "results.json");
            File.WriteAllText(input, CasesJson(cases));
            ProcessResult r = ChildProcess.Run("node", [Path.Combine(dir, "run.mjs"), input, result], TimeSpan.FromSeconds(60));
            Assert.False(r.TimedOut, "node did not finish");
            Assert.True(r.ExitCode == 0, $"node failed: {r.StdErr}");
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(result));
            Compare(cases, doc.RootElement, "node");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Chromium_runs_the_served_module_with_the_same_pixels()
    {
        AppFixture.RequireChromium();
        await using var context = await app.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress + "index.html");
        List<ParityCase> cases = Cases();
        JsonElement results = await page.EvaluateAsync<JsonElement>("""
            async (json) => {
              const { fromStrokes } = await import('/js/preprocessing.js');
              return JSON.parse(json).map(c => { const r = fromStrokes(c.strokes, c.w, c.h); return { reason: r.reason, pixels: Array.from(r.pixels) }; });
            }
            """, CasesJson(cases));
        Compare(cases, results, "chromium");
    }
}
