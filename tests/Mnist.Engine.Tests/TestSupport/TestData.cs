namespace Mnist.Engine.Tests.TestSupport;

/// <summary>Deterministic test inputs (seeded, so a failure reproduces).</summary>
public static class TestData
{
    /// <summary>The lengths every element-wise kernel is checked at: 0–256 (every tail path of every width) and 6·512+7.</summary>
    public static IEnumerable<int> Lengths => Enumerable.Range(0, 257).Append(6 * 512 + 7);

    /// <summary>Uniform floats in [min, max).</summary>
    public static float[] Floats(int length, int seed, float min = -1f, float max = 1f)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++)
            data[i] = min + (max - min) * random.NextSingle();
        return data;
    }

    /// <summary>Integers in [0, levels) as floats: many ties, for first-maximum-wins checks.</summary>
    public static float[] Levels(int length, int seed, int levels)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++)
            data[i] = random.Next(levels);
        return data;
    }

    /// <summary>A copy of <paramref name="data"/> with NaN, ±∞ and ±0 written at a few seeded positions.</summary>
    public static float[] WithSpecials(float[] data, int seed)
    {
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f];
        var result = (float[])data.Clone();
        if (result.Length == 0)
            return result;
        var random = new Random(seed);
        for (int k = 0; k < Math.Max(1, result.Length / 16); k++)
            result[random.Next(result.Length)] = specials[random.Next(specials.Length)];
        return result;
    }

    /// <summary>Σ|x_i| (or Σ|a_i·b_i|): the magnitude a reduction's rounding error scales with.</summary>
    public static double AbsSum(ReadOnlySpan<float> a, ReadOnlySpan<float> b = default)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += Math.Abs((double)a[i] * (b.IsEmpty ? 1 : b[i]));
        return s;
    }
}
