namespace Mnist.Engine.Preprocessing;

/// <summary>
/// Deterministic quantiles of values in [0, 1] by a 1024-bin histogram: value v falls in bin
/// <c>min(1023, floor(clamp(v,0,1)·1024))</c>; the q-quantile of n values is the centre <c>(b + 0.5)/1024</c> of the
/// bin b holding the value of 0-based rank <c>floor(q·(n − 1))</c> in ascending order. Resolution 1/1024, no sorting,
/// O(1) memory, and trivially reproducible in another language.
/// </summary>
internal sealed class QuantileHistogram
{
    public const int Bins = 1024;
    private readonly int[] _counts = new int[Bins];

    public long Count { get; private set; }

    public void Add(float value)
    {
        float v = value < 0f ? 0f : value > 1f ? 1f : value;
        int b = (int)(v * Bins);
        if (b >= Bins) b = Bins - 1;
        _counts[b]++;
        Count++;
    }

    /// <summary>The q-quantile (q in [0,1]); 0 when empty.</summary>
    public float Quantile(float q)
    {
        if (Count == 0) return 0f;
        long rank = (long)Math.Floor(q * (double)(Count - 1));
        long seen = 0;
        for (int b = 0; b < Bins; b++)
        {
            seen += _counts[b];
            if (seen > rank) return (b + 0.5f) / Bins;
        }
        return (Bins - 0.5f) / Bins;
    }
}
