using System.Buffers.Binary;
using Mnist.Engine.Data;
using Mnist.Engine.IO;

namespace Mnist.Engine.Tests.Data;

public class IdxFileTests
{
    [Theory]
    [InlineData("images.idx", false)]
    [InlineData("images.idx.gz", true)]
    public void Images_round_trip(string name, bool gzip)
    {
        using var dir = new TempDir();
        var (images, _) = MnistTestData.Synthetic(7);
        IdxFile.WriteImages(dir.File(name), images, 7, 28, 28);
        Assert.Equal(gzip, IdxFile.IsGzip(dir.File(name)));
        var read = IdxFile.ReadImages(dir.File(name), 28, 28);
        Assert.Equal((7, 28, 28), (read.Count, read.Rows, read.Cols));
        Assert.Equal(images, read.Pixels);
        Assert.Equal([name], dir.Files()); // no temporary file left behind
    }

    [Fact]
    public void Labels_round_trip_and_header()
    {
        using var dir = new TempDir();
        byte[] labels = [5, 0, 4, 1, 9, 2];
        IdxFile.WriteLabels(dir.File("l.gz"), labels);
        Assert.Equal(labels, IdxFile.ReadLabels(dir.File("l.gz")));
        var (kind, dims) = IdxFile.ReadHeader(dir.File("l.gz"));
        Assert.Equal(IdxKind.Labels, kind);
        Assert.Equal([6], dims);
    }

    [Fact]
    public void Gzip_is_detected_by_magic_not_name()
    {
        using var dir = new TempDir();
        byte[] labels = [1, 2, 3];
        IdxFile.WriteLabels(dir.File("labels-without-extension"), labels, gzip: true);
        IdxFile.WriteLabels(dir.File("raw-named.gz"), labels, gzip: false);
        Assert.True(IdxFile.IsGzip(dir.File("labels-without-extension")));
        Assert.Equal(labels, IdxFile.ReadLabels(dir.File("labels-without-extension")));
        Assert.Equal(labels, IdxFile.ReadLabels(dir.File("raw-named.gz")));
    }

    [Fact]
    public void Writer_failure_leaves_no_file()
    {
        using var dir = new TempDir();
        Assert.Throws<InvalidOperationException>(() =>
            AtomicFile.Write(dir.File("x"), s =>
            {
                s.Write(new byte[100]);
                throw new InvalidOperationException("boom");
            }));
        Assert.Empty(dir.Files());
        Assert.Throws<ArgumentException>(() => IdxFile.WriteImages(dir.File("y"), new byte[10], 1, 28, 28));
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Missing_file_is_named()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(dir.File("nope")));
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bad_magic_is_reported(bool gzip)
    {
        using var dir = new TempDir();
        var bytes = new byte[16 + 784];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x12345678);
        File.WriteAllBytes(dir.File("bad"), gzip ? MnistTestData.Gzip(bytes) : bytes);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("bad")));
        Assert.Contains("bad magic number 0x12345678", e.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("bad"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_file_read_as_images_says_so()
    {
        using var dir = new TempDir();
        IdxFile.WriteLabels(dir.File("l"), [1, 2]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("l")));
        Assert.Contains("label file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, 10)]      // inside the header
    [InlineData(false, 16 + 500)] // inside the pixels
    [InlineData(true, 16 + 500)]
    public void Truncated_file_is_reported(bool gzip, int keep)
    {
        using var dir = new TempDir();
        var (images, _) = MnistTestData.Synthetic(3);
        IdxFile.WriteImages(dir.File("full"), images, 3, 28, 28, gzip: false);
        byte[] cut = File.ReadAllBytes(dir.File("full"))[..keep];
        File.WriteAllBytes(dir.File("cut"), gzip ? MnistTestData.Gzip(cut) : cut);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("cut")));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_gzip_stream_is_reported()
    {
        using var dir = new TempDir();
        var (images, _) = MnistTestData.Synthetic(50);
        IdxFile.WriteImages(dir.File("full.gz"), images, 50, 28, 28);
        byte[] gz = File.ReadAllBytes(dir.File("full.gz"));
        File.WriteAllBytes(dir.File("cut.gz"), gz[..(gz.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("cut.gz")));
        Assert.Contains("cut.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_are_reported()
    {
        using var dir = new TempDir();
        IdxFile.WriteLabels(dir.File("l"), [1, 2, 3]);
        File.AppendAllText(dir.File("l"), "x");
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(dir.File("l")));
        Assert.Contains("unexpected bytes after", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_dimensions_are_reported()
    {
        using var dir = new TempDir();
        IdxFile.WriteImages(dir.File("i"), new byte[2 * 32 * 32], 2, 32, 32);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(dir.File("i"), 28, 28));
        Assert.Contains("wrong dimensions: images are 32x32, expected 28x28", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>IDX headers that declare more data than the file holds (issue 18): a clear error, no allocation from the count.</summary>
public class IdxCraftedHeaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_header_declaring_two_gigabytes_with_three_bytes_behind_it_allocates_nothing_like_that(bool gzip)
    {
        using var dir = new TempDir();
        string path = dir.File(gzip ? "labels.gz" : "labels");
        byte[] file = new byte[8 + 3];
        BinaryPrimitives.WriteInt32BigEndian(file, (int)IdxKind.Labels);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), 2_100_000_000);
        if (gzip)
        {
            using var output = File.Create(path);
            using var gz = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest);
            gz.Write(file);
        }
        else
        {
            File.WriteAllBytes(path, file);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains("2100000000 labels", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 << 20, $"allocated {allocated:N0} bytes for a file of {new FileInfo(path).Length} bytes");
    }
}
