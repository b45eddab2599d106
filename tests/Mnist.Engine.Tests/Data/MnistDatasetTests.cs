using System.Diagnostics;
using Mnist.Engine.Data;
using Xunit.Abstractions;

namespace Mnist.Engine.Tests.Data;

public class MnistDatasetTests(ITestOutputHelper output)
{
    [Fact]
    public void Real_mnist_matches_the_published_facts()
    {
        string folder = MnistTestData.MnistFolder();
        var sw = Stopwatch.StartNew();
        var train = MnistDataset.Load(folder, MnistSplit.Train);
        output.WriteLine($"train load (gz, 60k): {sw.ElapsedMilliseconds} ms");
        var test = MnistDataset.Load(folder, MnistSplit.Test);

        Assert.Equal((60_000, 28, 28), (train.Count, train.Rows, train.Cols));
        Assert.Equal(60_000 * 784, train.Images.Length);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], train.Labels[..10]);
        Assert.Equal([9, 2, 9, 5, 1, 8, 3, 5, 6, 8], train.Labels[^10..]);
        Assert.Equal([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], test.Labels[..10]);
        Assert.Equal([7, 8, 9, 0, 1, 2, 3, 4, 5, 6], test.Labels[^10..]);
        Assert.Equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], train.ClassCounts());
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], test.ClassCounts());
        double mean = train.Images.Average(b => (double)b);
        Assert.Equal(33.3184, mean, 3);
    }

    [Fact]
    public void LoadTrainTest_loads_both()
    {
        var (train, test) = MnistDataset.LoadTrainTest(MnistTestData.MnistFolder());
        Assert.Equal((60_000, 10_000), (train.Count, test.Count));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_raw_or_gzip_and_prefers_raw(bool gzip)
    {
        using var dir = new TempDir();
        var (images, labels) = MnistTestData.Synthetic(20);
        MnistTestData.WriteDataset(dir.Path, MnistSplit.Test, images, labels, gzip);
        var ds = MnistDataset.Load(dir.Path, MnistSplit.Test);
        Assert.Equal(images, ds.Images);
        Assert.Equal(labels, ds.Labels);
        Assert.EndsWith(gzip ? ".gz" : "ubyte", ds.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_folder_lists_what_was_looked_for()
    {
        string folder = Path.Combine(Path.GetTempPath(), "no-such-mnist-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(folder, MnistSplit.Train));
        Assert.Contains(folder, e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
        Assert.Contains("train-images-idx3-ubyte[.gz]", e.Message, StringComparison.Ordinal);
        Assert.Contains("t10k-labels-idx1-ubyte[.gz]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_lists_both_names()
    {
        using var dir = new TempDir();
        IdxFile.WriteImages(dir.File("train-images-idx3-ubyte.gz"), new byte[784], 1, 28, 28);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(dir.Path, MnistSplit.Train));
        Assert.Contains("missing train-labels-idx1-ubyte: looked for train-labels-idx1-ubyte and train-labels-idx1-ubyte.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_mismatch_is_reported()
    {
        using var dir = new TempDir();
        var (images, labels) = MnistTestData.Synthetic(10);
        MnistTestData.WriteDataset(dir.Path, MnistSplit.Test, images, labels[..9], gzip: true);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(dir.Path, MnistSplit.Test));
        Assert.Contains("count mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains("10 images but t10k-labels-idx1-ubyte.gz holds 9 labels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_out_of_range_is_reported()
    {
        var e = Assert.Throws<DataFormatException>(() => new MnistDataset(new byte[2 * 784], [3, 10]));
        Assert.Contains("label 10 at index 1", e.Message, StringComparison.Ordinal);
    }
}
