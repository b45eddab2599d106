using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.RegularExpressions;
using Mnist.Engine.Kernels.Common;
using Mnist.Testing;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// Re-runs all parity checks in child processes (<c>dotnet Mnist.Engine.Tests.dll --parity</c>) with the runtime's
/// DOTNET_Enable* switches, so the 256-bit, 128-bit and scalar code paths are tested on a machine whose JIT would
/// otherwise only ever pick the widest one. Each run must pass and report the expected vector width.
/// </summary>
public partial class ParityAcrossIsaTests
{
    private static readonly string[] s_isaVariables = ["DOTNET_EnableAVX512", "DOTNET_EnableAVX512F", "DOTNET_EnableAVX", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", "DOTNET_PreferredVectorBitWidth"];

    [Fact]
    public void In_process_width_is_what_the_hardware_offers()
    {
        int expected = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        Assert.Equal(expected, Isa.VectorBits);
        // On an AVX-512 machine (like the one this project is built on) the kernels run 512-bit vectors, unless the
        // test run itself was started with an ISA switch.
        if (Avx512F.IsSupported && s_isaVariables.All(v => Environment.GetEnvironmentVariable(v) is null))
            Assert.Equal(512, Isa.VectorBits);
    }

    [Fact]
    public void Parity_as_the_machine_runs() => RunChild(null, expectedBits: Isa.VectorBits);

    [Fact]
    public void Parity_without_AVX512()
    {
        // DOTNET_EnableAVX512F=0 no longer does anything on .NET 10; EnableAVX512 is the switch.
        int expected = Math.Min(Isa.VectorBits, 256);
        RunChild(("DOTNET_EnableAVX512", "0"), expected);
    }

    [Fact]
    public void Parity_without_any_hardware_intrinsics() => RunChild(("DOTNET_EnableHWIntrinsic", "0"), expectedBits: 0);

    private static void RunChild((string Name, string Value)? variable, int expectedBits)
    {
        string assembly = typeof(Program).Assembly.Location;
        // Start from the machine's defaults, whatever this test process was started with.
        var environment = s_isaVariables.ToDictionary(name => name, string? (_) => null);
        if (variable is { } v) environment[v.Name] = v.Value;
        ProcessResult result = ChildProcess.Run(DotnetHost(), [assembly, "--parity"], TimeSpan.FromMinutes(2), environment: environment);
        string stdout = result.StdOut;
        string output = $"{DotnetHost()} {assembly} --parity with {variable?.ToString() ?? "defaults"} exited {result.ExitCode}:\n{stdout}\n{result.StdErr}";
        Assert.False(result.TimedOut, $"The parity child ({variable}) did not finish in 2 minutes. Output so far:\n{stdout}");

        Assert.True(result.ExitCode == 0, output);
        var match = VectorBitsLine().Match(stdout);
        Assert.True(match.Success, "No 'VectorBits:' line.\n" + output);
        Assert.True(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) == expectedBits,
            $"Expected VectorBits {expectedBits}.\n{output}");
    }

    // The test host is normally run by the dotnet muxer; if not, the SDK exports its path in DOTNET_HOST_PATH.
    private static string DotnetHost()
    {
        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            return current;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    [GeneratedRegex(@"^VectorBits: (\d+)", RegexOptions.Multiline)]
    private static partial Regex VectorBitsLine();
}
