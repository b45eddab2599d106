using System.Diagnostics;
using System.Text;

namespace Mnist.Cli.Tests;

/// <summary>Runs the built <c>mnist</c> (src/Mnist.Cli/bin/&lt;configuration&gt;/net10.0/mnist.dll) as a child process.</summary>
internal static class MnistCli
{
    private static readonly Lazy<string> s_dll = new(FindDll);

    /// <summary>Repository root (the folder holding Mnist.slnx).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Mnist.slnx"))) return dir.FullName;
            throw new InvalidOperationException("Mnist.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The MNIST folder (<see cref="global::Mnist.Testing.TestEnvironment.MnistFolder"/>): a visible skip naming
    /// <c>mnist data</c> when it cannot be found or fetched, a failure in CI.</summary>
    public static string MnistFolder() => global::Mnist.Testing.TestEnvironment.MnistFolder();

    /// <summary>Starts <c>mnist args…</c>; it is killed if still running after <paramref name="timeout"/>.</summary>
    public static ChildProcess Start(TimeSpan timeout, params string[] args) => Start(timeout, null, args);

    /// <summary>Starts <c>mnist args…</c> with extra environment variables.</summary>
    public static ChildProcess Start(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(s_dll.Value);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"), timeout);
    }

    /// <summary>Runs <c>mnist args…</c> to completion (killed after <paramref name="timeout"/>).</summary>
    public static (int ExitCode, string StdOut, string StdErr) Run(TimeSpan timeout, params string[] args) => Run(timeout, null, args);

    /// <summary>Runs <c>mnist args…</c> with extra environment variables.</summary>
    public static (int ExitCode, string StdOut, string StdErr) Run(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var child = Start(timeout, environment, args);
        string stdout = child.Process.StandardOutput.ReadToEnd();
        int code = child.WaitForExit();
        Assert.False(child.TimedOut, $"mnist {string.Join(' ', args)} did not finish within {timeout}.");
        return (code, stdout, child.StdErr);
    }

    private static string FindDll()
    {
        // Same configuration as this test assembly: …/tests/Mnist.Cli.Tests/bin/<Configuration>/net10.0/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = here.Name, configuration = here.Parent!.Name;
        string dll = Path.Combine(RepoRoot, "src", "Mnist.Cli", "bin", configuration, framework, "mnist.dll");
        Assert.True(File.Exists(dll), $"{dll} not built.");
        return dll;
    }
}

/// <summary>
/// A running <c>mnist</c>. Output is read with blocking calls on dedicated threads (stderr) or the test thread
/// (stdout): async pipe reads ride on the thread pool, which a 2-core test host can starve for seconds.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly StringBuilder _stderr = new();
    private readonly Thread _stderrReader;
    private readonly Timer _watchdog;

    public ChildProcess(Process process, TimeSpan timeout)
    {
        Process = process;
        _stderrReader = new Thread(() =>
        {
            string? line;
            while ((line = process.StandardError.ReadLine()) is not null)
                lock (_stderr) _stderr.AppendLine(line);
        }) { IsBackground = true };
        _stderrReader.Start();
        _watchdog = new Timer(_ =>
        {
            TimedOut = true;
            Kill();
        }, null, timeout, Timeout.InfiniteTimeSpan);
    }

    public Process Process { get; }

    public bool TimedOut { get; private set; }

    public string StdErr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    /// <summary>The next stdout line (null at end of output).</summary>
    public string? ReadLine() => Process.StandardOutput.ReadLine();

    public int WaitForExit()
    {
        Process.WaitForExit();
        _stderrReader.Join(TimeSpan.FromSeconds(10));
        return Process.ExitCode;
    }

    /// <summary>SIGKILL, as <c>kill -9</c>.</summary>
    public void Kill()
    {
        try
        {
            Process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        if (!Process.HasExited) Kill();
        Process.Dispose();
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mnist-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
