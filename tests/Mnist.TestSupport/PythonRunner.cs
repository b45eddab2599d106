using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mnist.Testing;

/// <summary>
/// Runs third-party judges through the system Python (<c>/usr/bin/python3</c>, where Debian's
/// <c>python3-onnx</c>, <c>python3-pyarmnn</c> and <c>python3-numpy</c> live). Each run gets a fresh
/// temp directory holding the script and the input files; the script is invoked as
/// <c>python3 script.py DIR</c> with DIR as working directory, and its stdout is returned.
/// A non-zero exit fails the test with the script's stderr.
/// </summary>
public static class PythonRunner
{
    /// <summary>The interpreter the Debian packages install into.</summary>
    public const string PythonPath = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, string?> s_moduleCheck = new();

    /// <summary>
    /// Null when <see cref="PythonPath"/> can import every module in <paramref name="modules"/>,
    /// otherwise a human-readable reason (which module is missing and which Debian package provides it).
    /// </summary>
    public static string? MissingModules(params string[] modules) =>
        s_moduleCheck.GetOrAdd(string.Join(",", modules), key =>
        {
            if (!File.Exists(PythonPath))
            {
                return $"{PythonPath} not found";
            }

            foreach (string module in key.Split(','))
            {
                var (exit, _, stderr) = Execute(["-c", $"import {module}"], Directory.GetCurrentDirectory(), TimeSpan.FromSeconds(60));
                if (exit != 0)
                {
                    string lastLine = stderr.Trim().Split('\n')[^1];
                    return $"{PythonPath} cannot import '{module}' ({lastLine}); install the Debian package python3-{PackageFor(module)}";
                }
            }

            return null;
        });

    /// <summary>Stops the test when a judge's Python module is missing: a visible skip outside CI, a failure in CI
    /// (<see cref="TestEnvironment.Unavailable"/>; CI installs python3-onnx, python3-pyarmnn and python3-numpy).</summary>
    public static void Require(params string[] modules)
    {
        if (MissingModules(modules) is { } reason) TestEnvironment.Unavailable(reason);
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="files"/> (name → bytes) beside it; returns stdout.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">The script exited non-zero or timed out.</exception>
    public static string Run(string script, IReadOnlyDictionary<string, byte[]>? files = null, TimeSpan? timeout = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mnist-py-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "script.py"), script);
            if (files is not null)
            {
                foreach (var (name, bytes) in files)
                {
                    File.WriteAllBytes(Path.Combine(dir, name), bytes);
                }
            }

            var (exit, stdout, stderr) = Execute(["script.py", dir], dir, timeout ?? TimeSpan.FromMinutes(2));
            if (exit != 0)
            {
                throw new Xunit.Sdk.XunitException($"python script failed (exit {exit}).\n--- stderr ---\n{stderr}\n--- stdout ---\n{stdout}");
            }

            return stdout;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // best effort; the temp directory is harmless
            }
        }
    }

    /// <summary>Little-endian float32 bytes, readable with <c>numpy.fromfile(path, '&lt;f4')</c>.</summary>
    public static byte[] ToRawFloats(ReadOnlySpan<float> data)
    {
        byte[] bytes = new byte[data.Length * 4];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), data[i]);
        }

        return bytes;
    }

    /// <summary>A float32 <c>.npy</c> file (format 1.0, C order) for <c>numpy.load</c>.</summary>
    public static byte[] ToNpy(ReadOnlySpan<float> data, params int[] shape)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        ms.Write(ToRawFloats(data));
        return ms.ToArray();
    }

    /// <summary>Parses whitespace/comma separated floats (e.g. <c>print(' '.join(map(repr, a.ravel())))</c>).</summary>
    public static float[] ParseFloats(string text) =>
        [.. text.Split([' ', '\n', '\r', '\t', ',', '[', ']'], StringSplitOptions.RemoveEmptyEntries)
            .Select(s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture))];

    private static string PackageFor(string module) => module.Split('.')[0] switch
    {
        "pyarmnn" => "pyarmnn",
        var m => m,
    };

    private static (int Exit, string Stdout, string Stderr) Execute(IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        // Keep the judge single-threaded: the machine's cores belong to the test run.
        ProcessResult r = ChildProcess.Run(PythonPath, args, timeout, workingDirectory,
            new Dictionary<string, string?> { ["OMP_NUM_THREADS"] = "1", ["OPENBLAS_NUM_THREADS"] = "1" });
        if (r.TimedOut) throw new Xunit.Sdk.XunitException($"python script timed out after {timeout}.");
        return (r.ExitCode, r.StdOut, r.StdErr);
    }
}
