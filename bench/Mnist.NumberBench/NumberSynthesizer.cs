using System.Text.Json;

namespace Mnist.NumberBench;

/// <summary>One pendigits sample: a digit as pen strokes, with its writer.</summary>
public sealed record DrawnDigit(int Label, int Writer, float[][][] Strokes);

/// <summary>A synthetic number: one writer's digits placed left to right as they would be written on one line.</summary>
/// <param name="Label">The digits, e.g. "4207".</param>
/// <param name="Writer">The writer whose digits were used.</param>
/// <param name="Strokes">All strokes, digit by digit, in canvas coordinates (y down); the digits' height is about 100.</param>
/// <param name="Touching">How many neighbouring pairs touch or overlap.</param>
public sealed record SyntheticNumber(string Label, int Writer, float[][][] Strokes, int Touching);

/// <summary>
/// Builds numbers from pendigits writers as the number-reading issue describes them: 2–5 digits of one writer, each
/// scaled to a common height ±12 %, gaps of 0.1–0.55 of the height, about 12 % of neighbours touching or slightly
/// overlapping, baseline jitter ±8 %. Deterministic per seed.
/// </summary>
public static class NumberSynthesizer
{
    /// <summary>The digits' nominal height in the output coordinates.</summary>
    public const float Height = 100f;

    /// <summary>Reads pendigits JSON lines (<c>{"label","writer","strokes"}</c>).</summary>
    public static List<DrawnDigit> Load(string path)
    {
        var digits = new List<DrawnDigit>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            float[][][] strokes = root.GetProperty("strokes").EnumerateArray()
                .Select(s => s.EnumerateArray().Select(p => new[] { p[0].GetSingle(), p[1].GetSingle() }).ToArray()).ToArray();
            digits.Add(new DrawnDigit(root.GetProperty("label").GetInt32(), root.GetProperty("writer").GetInt32(), strokes));
        }
        return digits;
    }

    /// <summary>Makes <paramref name="count"/> numbers from the given writers' digits.</summary>
    public static List<SyntheticNumber> Make(IReadOnlyList<DrawnDigit> digits, IReadOnlySet<int> writers, int count, int seed,
        int minDigits = 2, int maxDigits = 5)
    {
        var random = new Random(seed);
        var byWriter = digits.Where(d => writers.Contains(d.Writer)).GroupBy(d => d.Writer).ToDictionary(g => g.Key, g => g.ToList());
        int[] writerIds = [.. byWriter.Keys.Order()];
        if (writerIds.Length == 0) throw new ArgumentException("No digits of the given writers.");
        var numbers = new List<SyntheticNumber>(count);
        for (int n = 0; n < count; n++)
        {
            int writer = writerIds[random.Next(writerIds.Length)];
            List<DrawnDigit> pool = byWriter[writer];
            int length = random.Next(minDigits, maxDigits + 1);
            var strokes = new List<float[][]>();
            var label = new System.Text.StringBuilder();
            float cursor = 0f;
            int touching = 0;
            for (int k = 0; k < length; k++)
            {
                DrawnDigit d = pool[random.Next(pool.Count)];
                label.Append((char)('0' + d.Label));
                (float x0, float y0, float x1, float y1) = Bounds(d.Strokes);
                float h = Height * (0.88f + 0.24f * random.NextSingle());
                float s = h / Math.Max(y1 - y0, 1f);
                float baseline = Height * (-0.08f + 0.16f * random.NextSingle());
                if (k > 0)
                {
                    bool touch = random.NextSingle() < 0.12f;
                    if (touch) touching++;
                    cursor += Height * (touch ? -0.08f * random.NextSingle() : 0.1f + 0.45f * random.NextSingle());
                }
                float dx = cursor - x0 * s, dy = baseline + (Height - h) / 2 - y0 * s;
                foreach (float[][] stroke in d.Strokes)
                    strokes.Add([.. stroke.Select(p => new[] { p[0] * s + dx, p[1] * s + dy })]);
                cursor += (x1 - x0) * s;
            }
            numbers.Add(new SyntheticNumber(label.ToString(), writer, [.. strokes], touching));
        }
        return numbers;
    }

    /// <summary>The bounding box of all points.</summary>
    public static (float X0, float Y0, float X1, float Y1) Bounds(float[][][] strokes)
    {
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        foreach (float[][] s in strokes)
            foreach (float[] p in s)
            {
                x0 = Math.Min(x0, p[0]); x1 = Math.Max(x1, p[0]);
                y0 = Math.Min(y0, p[1]); y1 = Math.Max(y1, p[1]);
            }
        return (x0, y0, x1, y1);
    }
}
