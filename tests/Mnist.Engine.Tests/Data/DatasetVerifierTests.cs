using Mnist.Engine.Data;

namespace Mnist.Engine.Tests.Data;

public class DatasetVerifierTests
{
    [Fact]
    public void Shared_mnist_folder_verifies()
    {
        var results = DatasetVerifier.Verify(DatasetCatalog.Mnist, MnistTestData.MnistFolder());
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Path}: {r.Status}"));
        Assert.Equal(7, results.Count); // 4 gz + 3 raw (train images only as .gz)
        Assert.Contains(results, r => r.Status == "ok (sha256)" && r.File.Name == "train-images-idx3-ubyte");
        Assert.Contains(results, r => r.Status == "ok (content sha256)" && r.File.Name == "t10k-images-idx3-ubyte");
    }

    [Fact]
    public void Recompressed_copy_passes_on_content_hash_and_changed_content_fails()
    {
        using var dir = new TempDir();
        var file = DatasetCatalog.Mnist.File(MnistSplit.Test, IdxKind.Labels);
        byte[] labels = IdxFile.ReadLabels(Path.Combine(MnistTestData.MnistFolder(), file.GzName));

        IdxFile.WriteLabels(dir.File(file.GzName), labels); // different gzip bytes, same content
        var ok = DatasetVerifier.VerifyFile(file, dir.File(file.GzName));
        Assert.True(ok.Ok, ok.Status);
        Assert.Contains("content sha256", ok.Status, StringComparison.Ordinal);

        labels[123] = (byte)((labels[123] + 1) % 10);
        IdxFile.WriteLabels(dir.File(file.GzName), labels);
        var bad = DatasetVerifier.VerifyFile(file, dir.File(file.GzName));
        Assert.False(bad.Ok);
        Assert.StartsWith("checksum mismatch", bad.Status, StringComparison.Ordinal);
        Assert.Equal(10_000, bad.Count);
    }

    [Fact]
    public void Wrong_count_and_bad_files_are_reported_per_file()
    {
        using var dir = new TempDir();
        var (images, labels) = MnistTestData.Synthetic(5);
        MnistTestData.WriteDataset(dir.Path, MnistSplit.Test, images, labels, gzip: false);
        File.WriteAllBytes(dir.File("train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0]);
        var results = DatasetVerifier.Verify(DatasetCatalog.Mnist, dir.Path);
        var byName = results.ToDictionary(r => Path.GetFileName(r.Path));
        Assert.StartsWith("missing", byName["train-images-idx3-ubyte.gz"].Status, StringComparison.Ordinal);
        Assert.StartsWith("truncated", byName["train-labels-idx1-ubyte"].Status, StringComparison.Ordinal);
        Assert.Equal("count mismatch: 5 samples, expected 10000", byName["t10k-images-idx3-ubyte"].Status);
        Assert.All(results, r => Assert.False(r.Ok));
    }
}
