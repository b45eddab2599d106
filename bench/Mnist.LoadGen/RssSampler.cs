namespace Mnist.LoadGen;

/// <summary>Samples a process's resident set size (VmRSS, kB) from /proc/PID/status.</summary>
internal sealed class RssSampler(int? pid)
{
    private readonly Lock _lock = new();

    public long First { get; private set; }
    public long Last { get; private set; }
    public long Min { get; private set; } = long.MaxValue;
    public long Max { get; private set; }
    public int Count { get; private set; }

    public void Sample()
    {
        if (pid is null) return;
        long kb;
        try
        {
            string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is null || !long.TryParse(line[6..].Trim().Split(' ')[0], out kb)) return;
        }
        catch (IOException)
        {
            return;
        }
        lock (_lock)
        {
            if (Count == 0) First = kb;
            Last = kb;
            Min = Math.Min(Min, kb);
            Max = Math.Max(Max, kb);
            Count++;
        }
    }
}
