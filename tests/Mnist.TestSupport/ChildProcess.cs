using System.Diagnostics;
using System.Text;

namespace Mnist.Testing;

/// <summary>What a child process printed and how it ended.</summary>
/// <param name="ExitCode">Its exit code (meaningless when <paramref name="TimedOut"/>).</param>
/// <param name="StdOut">Everything it wrote to standard output.</param>
/// <param name="StdErr">Everything it wrote to standard error.</param>
/// <param name="TimedOut">It was killed at its deadline.</param>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, bool TimedOut);

/// <summary>
/// A child process with a deadline: killed with its whole tree when still running at the deadline. Output is read
/// with blocking calls on dedicated threads (stderr) or the caller's thread (stdout): async pipe reads ride on the
/// thread pool, which a 2-core test host can starve for seconds.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly StringBuilder _stderr = new();
    private readonly Thread _stderrReader;
    private readonly Timer _watchdog;

    private ChildProcess(Process process, TimeSpan timeout)
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

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="args"/>, stdout and stderr redirected (UTF-8).</summary>
    /// <param name="fileName">The program (found on PATH when not a path).</param>
    /// <param name="args">Its arguments, passed as they are (no shell quoting).</param>
    /// <param name="timeout">When it is killed if still running.</param>
    /// <param name="workingDirectory">Its working directory; null for this process's.</param>
    /// <param name="environment">Variables to set (a null value removes the variable).</param>
    /// <exception cref="InvalidOperationException">The program could not be started (e.g. it is not installed).</exception>
    public static ChildProcess Start(string fileName, IEnumerable<string> args, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is null) info.Environment.Remove(k);
                else info.Environment[k] = v;
            }
        }
        try
        {
            return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}"), timeout);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"could not start {fileName}: {e.Message}", e);
        }
    }

    /// <summary>Runs a program to its end or its deadline and returns what it printed.</summary>
    /// <exception cref="InvalidOperationException">The program could not be started.</exception>
    public static ProcessResult Run(string fileName, IEnumerable<string> args, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using ChildProcess child = Start(fileName, args, timeout, workingDirectory, environment);
        string stdout = child.Process.StandardOutput.ReadToEnd();
        int code = child.WaitForExit();
        return new ProcessResult(code, stdout, child.StdErr, child.TimedOut);
    }

    /// <summary>The running process.</summary>
    public Process Process { get; }

    /// <summary>It was killed at its deadline.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>What it has written to standard error so far.</summary>
    public string StdErr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    /// <summary>The next stdout line (null at end of output).</summary>
    public string? ReadLine() => Process.StandardOutput.ReadLine();

    /// <summary>Waits for the end (the deadline still applies) and returns the exit code.</summary>
    public int WaitForExit()
    {
        Process.WaitForExit();
        _stderrReader.Join(TimeSpan.FromSeconds(10));
        return Process.ExitCode;
    }

    /// <summary>SIGKILL to the process and its children, as <c>kill -9</c>.</summary>
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

    /// <inheritdoc />
    public void Dispose()
    {
        _watchdog.Dispose();
        if (!Process.HasExited) Kill();
        Process.Dispose();
    }
}
