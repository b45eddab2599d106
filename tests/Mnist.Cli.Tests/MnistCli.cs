using Mnist.Testing;

namespace Mnist.Cli.Tests;

/// <summary>Runs the built <c>mnist</c> (src/Mnist.Cli/bin/&lt;configuration&gt;/net10.0/mnist.dll) as a child process.</summary>
internal static class MnistCli
{
    private static readonly Lazy<string> s_dll = new(FindDll);

    /// <summary>Repository root (the folder holding Mnist.slnx).</summary>
    public static string RepoRoot => TestEnvironment.RepositoryRoot;

    /// <summary>The MNIST folder (<see cref="global::Mnist.Testing.TestEnvironment.MnistFolder"/>): a visible skip naming
    /// <c>mnist data</c> when it cannot be found or fetched, a failure in CI.</summary>
    public static string MnistFolder() => global::Mnist.Testing.TestEnvironment.MnistFolder();

    /// <summary>Starts <c>mnist args…</c>; it is killed if still running after <paramref name="timeout"/>.</summary>
    public static ChildProcess Start(TimeSpan timeout, params string[] args) => Start(timeout, null, args);

    /// <summary>Starts <c>mnist args…</c> with extra environment variables.</summary>
    public static ChildProcess Start(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var variables = new Dictionary<string, string?> { ["NO_COLOR"] = "1" };
        if (environment is not null)
            foreach (var (k, v) in environment) variables[k] = v;
        return ChildProcess.Start("dotnet", [s_dll.Value, .. args], timeout, environment: variables);
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
