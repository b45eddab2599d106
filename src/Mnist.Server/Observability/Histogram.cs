using System.Globalization;
using System.Text;

namespace Mnist.Server.Observability;

/// <summary>A lock-free Prometheus histogram: cumulative buckets with fixed upper bounds, a sum and a count.</summary>
internal sealed class Histogram(double[] upperBounds)
{
    private readonly long[] _counts = new long[upperBounds.Length + 1]; // last: +Inf
    private long _sumMicros;  // sums are kept in millionths so that they can be added with Interlocked

    public double[] UpperBounds { get; } = upperBounds;

    public void Observe(double value)
    {
        int i = 0;
        while (i < UpperBounds.Length && value > UpperBounds[i]) i++;
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumMicros, (long)Math.Round(value * 1e6));
    }

    public long Count
    {
        get
        {
            long n = 0;
            foreach (ref readonly long c in _counts.AsSpan()) n += Volatile.Read(in c);
            return n;
        }
    }

    /// <summary>Appends the <c>_bucket</c>, <c>_sum</c> and <c>_count</c> lines; <paramref name="labels"/> is
    /// <c>name="value",…</c> or empty.</summary>
    public void Write(StringBuilder sb, string name, string labels)
    {
        string sep = labels.Length == 0 ? "" : ",";
        long cumulative = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            cumulative += Volatile.Read(ref _counts[i]);
            string le = i < UpperBounds.Length ? UpperBounds[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}\n");
        }
        string braces = labels.Length == 0 ? "" : $"{{{labels}}}";
        sb.Append(CultureInfo.InvariantCulture, $"{name}_sum{braces} {(Volatile.Read(ref _sumMicros) / 1e6).ToString("R", CultureInfo.InvariantCulture)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{name}_count{braces} {cumulative}\n");
    }
}
