using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using Mnist.Engine.Data;

namespace Mnist.Testing;

/// <summary>
/// What a test needs from outside the repository (MNIST, the pendigits strokes, a third-party model, a judge program)
/// and what happens when it is missing: outside CI a visible skip with one line saying how to get it; in CI
/// (<c>CI</c> set, as <c>.ci/run</c> does) a failure, because CI provides every dependency and a skip there would
/// hide a judge that never judged.
/// </summary>
public static class TestEnvironment
{
    /// <summary>The one line a missing MNIST is reported with.</summary>
    public const string MnistHint = "run `mnist data` (dotnet run --project src/Mnist.Cli -c Release -- data) or set MNIST_DATA";

    private static readonly Lazy<(string? Folder, string? Reason)> s_mnist = new(LocateMnist, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True in CI: the variable <c>CI</c> is set to anything but empty, 0 or false.</summary>
    public static bool InCi => Environment.GetEnvironmentVariable("CI") is { Length: > 0 } v && v != "0" && !v.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>Stops the test because <paramref name="what"/> is missing: a skip outside CI, a failure in CI.</summary>
    [DoesNotReturn]
    public static void Unavailable(string what)
    {
        if (InCi) throw new Xunit.Sdk.XunitException($"{what} (CI is set: every dependency is provided there, so this is a failure, not a skip)");
        throw new Xunit.SkipException(what);
    }

    /// <summary>The MNIST folder: <c>$MNIST_DATA</c>, else <c>shared/datasets/mnist</c> beside the repository (CI's layout),
    /// else the per-user cache <c>mnist data</c> fills, else that cache filled now by the project's own downloader; when none works the test stops through <see cref="Unavailable"/>.</summary>
    public static string MnistFolder()
    {
        var (folder, reason) = s_mnist.Value;
        if (folder is null) Unavailable(reason!);
        return folder;
    }

    /// <summary>The MNIST folder, or null with the reason (for callers that report it themselves).</summary>
    public static string? TryMnistFolder(out string? reason)
    {
        (string? folder, reason) = s_mnist.Value;
        return folder;
    }

    /// <summary>An MNIST file's bytes, uncompressed (<paramref name="name"/> raw, else its .gz).</summary>
    public static byte[] ReadMnistFile(string name)
    {
        string folder = MnistFolder();
        string raw = Path.Combine(folder, name);
        if (File.Exists(raw)) return File.ReadAllBytes(raw);
        using var gz = new GZipStream(File.OpenRead(raw + ".gz"), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>The repository root: the first folder above the test binaries holding <c>Mnist.slnx</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">The tests run outside a checkout.</exception>
    public static string RepositoryRoot => s_root.Value;

    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mnist.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No Mnist.slnx above {AppContext.BaseDirectory}.");
    });

    /// <summary>A file of the shared folder CI puts beside the repository (<c>../shared/…</c>), searched upwards from the
    /// test binaries; when absent the test stops through <see cref="Unavailable"/> naming <paramref name="howToGet"/>.</summary>
    public static string SharedFile(string relative, string howToGet)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", relative);
            if (File.Exists(candidate)) return candidate;
        }
        Unavailable($"shared/{relative} not found beside the repository: {howToGet}");
        return null!;
    }

    /// <summary>
    /// A key for a test model cached across runs: the SHA-256 of the assemblies that produce it (the engine that trains
    /// and exports it and the test assembly holding the recipe). Builds are deterministic, so the key changes exactly
    /// when that code does, and a regression in the exporter or the trainer cannot hide behind an older cached file.
    /// </summary>
    public static string ProducerKey(params Type[] producers)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (string file in producers.Select(t => t.Assembly.Location).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            sha.AppendData(File.ReadAllBytes(file));
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    private static (string?, string?) LocateMnist()
    {
        DatasetInfo mnist = DatasetCatalog.Mnist;
        if (Environment.GetEnvironmentVariable("MNIST_DATA") is { Length: > 0 } env)
        {
            return DatasetDownloader.MissingFiles(mnist, env).Count == 0
                ? (Path.GetFullPath(env), null)
                : (null, $"MNIST_DATA={env} does not hold the four MNIST files: {MnistHint}");
        }

        // The layout CI and the design describe: a shared folder beside the repository.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string beside = Path.Combine(dir.FullName, "shared", "datasets", "mnist");
            if (Directory.Exists(beside) && DatasetDownloader.MissingFiles(mnist, beside).Count == 0) return (beside, null);
        }

        string cache = DataLocator.UserCacheFolder(mnist);
        if (Directory.Exists(cache) && DatasetDownloader.MissingFiles(mnist, cache).Count == 0) return (cache, null);
        try
        {
            // Test assemblies run in parallel: one downloads, the others wait for it and find the files.
            Directory.CreateDirectory(cache);
            using FileStream gate = LockFile(Path.Combine(cache, ".tests.lock"), TimeSpan.FromMinutes(10));
            if (DatasetDownloader.MissingFiles(mnist, cache).Count > 0)
            {
                using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromMinutes(2) };
                new DatasetDownloader(http).DownloadMissingAsync(mnist, cache).GetAwaiter().GetResult();
            }
            return (cache, null);
        }
        catch (Exception e) when (e is DownloadException or HttpRequestException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            string why = e.Message.Split('\n')[0];
            return (null, $"MNIST not found ($MNIST_DATA unset, nothing in {cache}) and the download failed ({why}): {MnistHint}");
        }
    }

    /// <summary>Takes an exclusive lock across processes (test projects run at once) by opening
    /// <paramref name="path"/> unshared, retrying for up to <paramref name="maxWait"/>; dispose to release it.</summary>
    public static FileStream LockFile(string path, TimeSpan maxWait)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < maxWait)
            {
                Thread.Sleep(250);
            }
        }
    }
}
