using System.Diagnostics;
using System.Globalization;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests;

/// <summary>
/// The test assembly doubles as a console program so that tests can re-run the kernel parity checks in a child
/// process with different DOTNET_Enable* settings (see <c>ParityAcrossIsaTests</c>):
/// <c>dotnet Mnist.Engine.Tests.dll --parity [name-filter]</c> prints the ISA and one line per check,
/// and exits 0 when all pass, 1 otherwise.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length is 1 or 2 && args[0] == "--parity")
            return RunParity(args.Length == 2 ? args[1] : "");
        Console.Error.WriteLine($"usage: dotnet Mnist.Engine.Tests.dll --parity [name-filter]; got [{string.Join(' ', args)}]");
        return 2;
    }

    private static int RunParity(string filter)
    {
        Console.WriteLine($"ISA: {Isa.Describe()}");
        Console.WriteLine($"VectorBits: {Isa.VectorBits}");
        int passed = 0, failed = 0;
        foreach (ParityCheck check in ParityRegistry.All.Where(c => c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
        {
            var clock = Stopwatch.StartNew();
            try
            {
                check.Run();
                passed++;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PASS {check.Name} ({clock.Elapsed.TotalMilliseconds:F0} ms)"));
            }
#pragma warning disable CA1031 // Any exception is a failed check, reported and counted; the run goes on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failed++;
                Console.WriteLine($"FAIL {check.Name}: {e.GetType().Name}: {e.Message}");
            }
        }
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 && passed > 0 ? 0 : 1;
    }
}
