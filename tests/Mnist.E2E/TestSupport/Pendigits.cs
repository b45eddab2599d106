using System.Text.Json;

namespace Mnist.TestSupport;

/// <summary>One pendigits sample: its index in the file, the label, the writer (one of 30) and its strokes of [x, y]
/// tablet points (y grows downwards).</summary>
internal sealed record PendigitsSample(int Index, int Label, int Writer, float[][][] Strokes);

/// <summary>Reads ../shared/datasets/drawn-digits/pendigits-train.jsonl.</summary>
internal static class Pendigits
{
    private static readonly Lazy<PendigitsSample[]> All = new(() => File.ReadLines(TestPaths.Pendigits)
        .Where(l => l.Length > 0)
        .Select(Parse)
        .ToArray());

    /// <summary>Every sample, in file order.</summary>
    public static IReadOnlyList<PendigitsSample> Samples => All.Value;

    /// <summary><paramref name="count"/> samples spread evenly over the file (all 30 writers), in file order.</summary>
    public static PendigitsSample[] Spread(int count)
    {
        PendigitsSample[] all = All.Value;
        int step = all.Length / count;
        return Enumerable.Range(0, count).Select(i => all[i * step]).ToArray();
    }

    private static PendigitsSample Parse(string line)
    {
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        float[][][] strokes = root.GetProperty("strokes").EnumerateArray()
            .Select(s => s.EnumerateArray().Select(p => new[] { p[0].GetSingle(), p[1].GetSingle() }).ToArray())
            .ToArray();
        return new PendigitsSample(root.GetProperty("index").GetInt32(), root.GetProperty("label").GetInt32(), root.GetProperty("writer").GetInt32(), strokes);
    }
}
