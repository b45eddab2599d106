namespace Mnist.TestSupport;

/// <summary>Where the repository, the web app and the shared data sets are, seen from the test binaries.</summary>
internal static class TestPaths
{
    /// <summary>The repository root: the first folder above the test binaries holding Mnist.slnx.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The web app's files (served at /).</summary>
    public static string WebRoot => Path.Combine(RepoRoot, "src", "Mnist.Server", "wwwroot");

    /// <summary>The shipped model, used when it exists.</summary>
    public static string ShippedModel => Path.Combine(RepoRoot, "models", "mnist.onnx");

    /// <summary>shared/datasets in a folder above the repository (CI puts ../shared beside it); else where ../shared
    /// would be, so that a missing copy is reported with that path.</summary>
    public static string Datasets
    {
        get
        {
            for (var dir = new DirectoryInfo(RepoRoot); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "datasets");
                if (Directory.Exists(candidate)) return candidate;
            }
            return Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "datasets"));
        }
    }

    /// <summary>The MNIST folder (<see cref="global::Mnist.Testing.TestEnvironment.MnistFolder"/>): a visible skip naming
    /// <c>mnist data</c> when it cannot be found or fetched, a failure in CI.</summary>
    public static string MnistData => global::Mnist.Testing.TestEnvironment.MnistFolder();

    /// <summary>The pendigits strokes (drawn digits, not MNIST), from the shared folder beside the repository; a visible
    /// skip outside CI when absent.</summary>
    public static string Pendigits => global::Mnist.Testing.TestEnvironment.SharedFile("datasets/drawn-digits/pendigits-train.jsonl",
        "the pendigits strokes ship with CI's shared folder");

    /// <summary>A per-run folder for artifacts kept after the tests (screenshots, measurements): TestResults/ under the repository.</summary>
    public static string Artifacts(string name)
    {
        string dir = Path.Combine(RepoRoot, "TestResults", name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot() => global::Mnist.Testing.TestEnvironment.RepositoryRoot;
}
