namespace Mnist.Testing;

/// <summary>
/// A real, tiny file system (tmpfs of a few hundred KB) mounted on a fresh folder, to make writes fail with ENOSPC the
/// way a full disk does. Mounting needs root on Linux (CI runs as root); elsewhere the test stops through
/// <see cref="TestEnvironment.Unavailable"/>.
/// </summary>
public sealed class TinyDisk : IDisposable
{
    private TinyDisk(string folder) => Folder = folder;

    /// <summary>The mounted folder.</summary>
    public string Folder { get; }

    /// <summary>Mounts a tmpfs of <paramref name="kilobytes"/> KB, or skips the test when that is impossible here.</summary>
    public static TinyDisk Mount(int kilobytes)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            TestEnvironment.Unavailable("a full disk is simulated with a tiny tmpfs, which needs root on Linux (CI runs as root)");
        string folder = Path.Combine(Path.GetTempPath(), "mnist-tinydisk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        (int code, string error) = Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", folder);
        if (code != 0)
        {
            Directory.Delete(folder);
            TestEnvironment.Unavailable($"cannot mount a tiny tmpfs here to simulate a full disk (mount: {error.Trim()})");
        }
        return new TinyDisk(folder);
    }

    /// <summary>The files in the folder, by name (temporary files included: nothing may be left behind).</summary>
    public string[] Files() => Directory.EnumerateFiles(Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose()
    {
        Run("umount", Folder);
        try
        {
            Directory.Delete(Folder);
        }
        catch (IOException)
        {
        }
    }

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        ProcessResult r = ChildProcess.Run(file, args, TimeSpan.FromSeconds(30));
        return (r.TimedOut ? -1 : r.ExitCode, r.StdErr);
    }
}
