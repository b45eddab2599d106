using System.Diagnostics;

namespace Mnist.LoadGen;

/// <summary>Samples a process's resident set size (VmRSS, kB) from /proc/PID/status: first, last, min, max, and a
/// series of one sample every <c>seriesEverySeconds</c> (0: none) measured from the first sample.</summary>
internal sealed class RssSampler(int? pid, double seriesEverySeconds = 0)
{
    private readonly Lock _lock = new();
    private readonly List<(double Seconds, long Kb)> _series = [];
    private long _start;

    public long First { get; private set; }
    public long Last { get; private set; }
    public long Min { get; private set; } = long.MaxValue;
    public long Max { get; private set; }
    public int Count { get; private set; }

    /// <summary>The series so far: seconds since the first sample, and kB.</summary>
    public IReadOnlyList<(double Seconds, long Kb)> Series
    {
        get
        {
            lock (_lock) return [.. _series];
        }
    }

    /// <summary>Reads VmRSS once; returns the series point when one falls due (for live printing).</summary>
    public (double Seconds, long Kb)? Sample()
    {
        if (pid is not { } p || ServerProcess.ReadRssKb(p) is not { } kb) return null;
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (Count == 0) _start = now;
            if (Count == 0) First = kb;
            Last = kb;
            Min = Math.Min(Min, kb);
            Max = Math.Max(Max, kb);
            Count++;
            if (seriesEverySeconds <= 0) return null;
            double t = (double)(now - _start) / Stopwatch.Frequency;
            // Due at 0, every, 2·every, … (samples come about once a second, so the point is the first one past it).
            if (_series.Count > 0 && t < _series.Count * seriesEverySeconds - 0.5) return null;
            _series.Add((t, kb));
            return (t, kb);
        }
    }

    /// <summary>Adds the last sample to the series unless it is already there (the end of the run).</summary>
    public void CloseSeries()
    {
        if (seriesEverySeconds <= 0) return;
        lock (_lock)
        {
            if (Count == 0) return;
            double t = (double)(Stopwatch.GetTimestamp() - _start) / Stopwatch.Frequency;
            if (_series.Count == 0 || t - _series[^1].Seconds > 0.5) _series.Add((t, Last));
        }
    }
}
