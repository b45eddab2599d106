using Mnist.Testing;

namespace Mnist.Cli.Tests;

/// <summary>The CLI on a full disk (a tiny tmpfs): a clear <c>error:</c> and exit 1, the previous file untouched.</summary>
public class DiskFullTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public void Export_onto_a_full_disk_fails_clearly_and_keeps_the_previous_model()
    {
        string shipped = Path.Combine(MnistCli.RepoRoot, "models", "mnist.onnx");
        long size = new FileInfo(shipped).Length;
        // Room for the previous model and half of another: the export cannot be written beside it.
        using TinyDisk disk = TinyDisk.Mount(kilobytes: (int)(size * 3 / 2 / 1024));
        string target = Path.Combine(disk.Folder, "model.onnx");
        byte[] previous = new byte[size];
        new Random(19).NextBytes(previous);
        File.WriteAllBytes(target, previous);

        var (code, _, stderr) = MnistCli.Run(s_timeout, "export", "--model", shipped, "--out", target);

        Assert.Equal(1, code);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("error:", StringComparison.Ordinal) && l.Contains("No space left", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // no stack trace
        Assert.Equal(previous, File.ReadAllBytes(target));
        Assert.Equal(["model.onnx"], disk.Files());
    }
}
