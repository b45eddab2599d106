using System.Runtime.InteropServices;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Cli.Reports;

/// <summary>Where a run happened: what a result needs beside it to be comparable.</summary>
internal sealed record MachineInfo(int Cores, int Threads, string Cpu, string Os, string DotNet, string Isa)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        Parallelism.Degree,
        CpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        Mnist.Engine.Kernels.Common.Isa.Describe());

    /// <summary>The "model name" line of /proc/cpuinfo, else the architecture.</summary>
    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int i and >= 0)
                        return line[(i + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
