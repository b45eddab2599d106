namespace Mnist.TestSupport;

/// <summary>A number written by one pendigits writer: its digits' strokes, in order, placed left to right.</summary>
internal sealed record SyntheticNumber(string Label, int Writer, float[][][] Strokes);

/// <summary>Numbers built from pendigits: digits of one writer, scaled to a common height, placed left to right on
/// one line with gaps of 0.2–0.4 of the height, each digit's strokes in the writer's order.</summary>
internal static class SyntheticNumbers
{
    private const float Height = 100f;

    /// <summary><paramref name="count"/> numbers of <paramref name="minDigits"/>–<paramref name="maxDigits"/> digits (seeded).</summary>
    public static SyntheticNumber[] Make(int count, int seed, int minDigits = 2, int maxDigits = 4)
    {
        var random = new Random(seed);
        Dictionary<int, List<PendigitsSample>> byWriter = Pendigits.Samples.GroupBy(s => s.Writer).ToDictionary(g => g.Key, g => g.ToList());
        int[] writers = [.. byWriter.Keys.Order()];
        var numbers = new SyntheticNumber[count];
        for (int n = 0; n < count; n++)
        {
            int writer = writers[random.Next(writers.Length)];
            List<PendigitsSample> pool = byWriter[writer];
            int length = random.Next(minDigits, maxDigits + 1);
            var strokes = new List<float[][]>();
            var label = new System.Text.StringBuilder();
            float cursor = 0f;
            for (int k = 0; k < length; k++)
            {
                PendigitsSample d = pool[random.Next(pool.Count)];
                label.Append((char)('0' + d.Label));
                (float x0, float y0, float x1, float y1) = Bounds(d.Strokes);
                float s = Height / Math.Max(y1 - y0, 1f);
                if (k > 0) cursor += Height * (0.2f + 0.2f * random.NextSingle());
                float dx = cursor - x0 * s, dy = -y0 * s;
                foreach (float[][] stroke in d.Strokes) strokes.Add([.. stroke.Select(p => new[] { p[0] * s + dx, p[1] * s + dy })]);
                cursor += (x1 - x0) * s;
            }
            numbers[n] = new SyntheticNumber(label.ToString(), writer, [.. strokes]);
        }
        return numbers;
    }

    private static (float X0, float Y0, float X1, float Y1) Bounds(float[][][] strokes)
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
