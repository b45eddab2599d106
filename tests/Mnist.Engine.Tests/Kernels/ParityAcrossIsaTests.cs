using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.RegularExpressions;
using Mnist.Engine.Kernels.Common;

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
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--parity");
        // Start from the machine's defaults, whatever this test process was started with.
        foreach (string name in s_isaVariables)
            start.Environment.Remove(name);
        if (variable is { } v)
            start.Environment[v.Name] = v.Value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the child process.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The parity child ({variable}) did not finish in 2 minutes. Output so far:\n{stdout}");
        }
        string output = $"{start.FileName} {string.Join(' ', start.ArgumentList)} with {variable?.ToString() ?? "defaults"} exited {process.ExitCode}:\n{stdout}\n{stderr.Result}";

        Assert.True(process.ExitCode == 0, output);
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
