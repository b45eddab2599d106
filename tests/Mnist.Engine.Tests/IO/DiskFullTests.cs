using Mnist.Engine.Formats;
using Mnist.Engine.IO;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Tests.Formats;
using Mnist.Engine.Tests.Training;
using Mnist.Engine.Training;
using Mnist.Testing;

namespace Mnist.Engine.Tests.IO;

/// <summary>
/// A full disk, for real: writes on a tiny tmpfs fail with ENOSPC. Whatever was being written (model, checkpoint), the
/// previous file stays intact, no temporary file is left, and the error says what happened.
/// </summary>
public class DiskFullTests
{
    [Fact]
    public void A_write_that_does_not_fit_leaves_the_previous_file_and_no_temporary()
    {
        using TinyDisk disk = TinyDisk.Mount(kilobytes: 256);
        string path = Path.Combine(disk.Folder, "model.onnx");
        byte[] previous = Bytes(150_000, seed: 1);
        AtomicFile.WriteAllBytes(path, previous);

        // The new file must exist beside the old one until the rename: 150 KB + 150 KB does not fit in 256 KB.
        IOException e = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllBytes(path, Bytes(150_000, seed: 2)));
        Assert.Contains("No space left", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], disk.Files());

        // Once there is room again, the same write succeeds.
        AtomicFile.WriteAllBytes(path, Bytes(100_000, seed: 3));
        Assert.Equal(Bytes(100_000, seed: 3), File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], disk.Files());
    }

    [Fact]
    public void A_checkpoint_that_does_not_fit_leaves_the_previous_checkpoint_loadable()
    {
        var model = TrainingTestData.TinyNet(5);
        var first = Checkpoint.Capture(model, null, new TrainingState { Architecture = "tiny", Recipe = "tiny", EpochsCompleted = 1 });
        using var measure = new MemoryStream();
        first.WriteTo(measure);
        // Room for one checkpoint and a half: the second cannot be written beside the first.
        int kilobytes = (int)Math.Max(8, measure.Length * 3 / 2 / 1024);
        using TinyDisk disk = TinyDisk.Mount(kilobytes);
        string path = Path.Combine(disk.Folder, "checkpoint.bin");
        first.Save(path);
        byte[] before = File.ReadAllBytes(path);

        var second = Checkpoint.Capture(TrainingTestData.TinyNet(6), null, new TrainingState { Architecture = "tiny", Recipe = "tiny", EpochsCompleted = 2 });
        Assert.ThrowsAny<IOException>(() => second.Save(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(1, Checkpoint.Load(path).State.EpochsCompleted);
        Assert.Equal(["checkpoint.bin"], disk.Files());
    }

    [Fact]
    public void An_exported_model_that_does_not_fit_leaves_the_previous_model()
    {
        var lenet = ExportFixtures.Create("lenet");
        ModelCard card = ExportFixtures.Card(lenet, "lenet");
        byte[] exported = OnnxExporter.ExportBytes(lenet, card);
        int kilobytes = Math.Max(8, exported.Length * 3 / 2 / 1024);
        using TinyDisk disk = TinyDisk.Mount(kilobytes);
        string path = Path.Combine(disk.Folder, "model.onnx");
        byte[] previous = Bytes(exported.Length, seed: 4);
        File.WriteAllBytes(path, previous);

        Assert.ThrowsAny<IOException>(() => OnnxExporter.Save(lenet, card, path));
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], disk.Files());
    }

    private static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }
}
