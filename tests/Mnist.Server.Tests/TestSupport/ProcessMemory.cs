using System.Globalization;
using System.Runtime;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>This process's resident memory, as the kernel counts it.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS from /proc/self/status in bytes; <see cref="Environment.WorkingSet"/> where there is no /proc.</summary>
    public static long ResidentBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            foreach (string line in File.ReadLines(status))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                string[] parts = line[6..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return Environment.WorkingSet;
    }

    /// <summary>A full, compacting collection that also gives free memory back to the OS, then the resident size.</summary>
    public static long ResidentAfterFullGc()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return ResidentBytes();
    }
}
