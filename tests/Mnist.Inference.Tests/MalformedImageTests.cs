using Mnist.Inference.Tests.TestSupport;
using SkiaSharp;

using Mnist.Imaging;

namespace Mnist.Inference.Tests;

public class MalformedImageTests
{
    private static byte[] ValidPng()
    {
        byte[] gray = TestImages.Canvas(Bar(), 56, 56, 2, 0, 0);
        return TestImages.Encode(TestImages.GrayToRgba(gray), 56, 56, SKEncodedImageFormat.Png);
    }

    /// <summary>A 28×28 "1" (a vertical bar): the cases are about broken files, so the xunit discovery of them must
    /// not need MNIST, which may be absent.</summary>
    private static byte[] Bar()
    {
        var d = new byte[784];
        for (int y = 4; y < 24; y++) for (int x = 12; x < 16; x++) d[y * 28 + x] = 255;
        return d;
    }

    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        b[0] = 0x42; b[1] = 0x00; // not any signature
        return b;
    }

    public static TheoryData<string, byte[], ImageDecodeReason[]> Cases
    {
        get
        {
            byte[] png = ValidPng();
            byte[] jpeg = TestImages.Encode(TestImages.GrayToRgba(TestImages.Canvas(Bar(), 56, 56, 2, 0, 0)), 56, 56, SKEncodedImageFormat.Jpeg);
            return new TheoryData<string, byte[], ImageDecodeReason[]>
            {
                { "zero bytes", [], [ImageDecodeReason.Empty] },
                { "truncated png (60%)", png[..(png.Length * 6 / 10)], [ImageDecodeReason.Truncated] },
                { "png signature only", png[..8], [ImageDecodeReason.Truncated] },
                { "first 5 bytes of png", png[..5], [ImageDecodeReason.Truncated] },
                { "truncated jpeg (50%)", jpeg[..(jpeg.Length / 2)], [ImageDecodeReason.Truncated] },
                { "random bytes", RandomBytes(4096, 1), [ImageDecodeReason.UnsupportedFormat] },
                { "png signature then random bytes", [.. png[..8], .. RandomBytes(500, 2)], [ImageDecodeReason.Corrupt, ImageDecodeReason.Truncated] },
                { "gif header then random bytes", [.. "GIF89a"u8.ToArray(), .. RandomBytes(500, 3)], [ImageDecodeReason.Corrupt, ImageDecodeReason.Truncated, ImageDecodeReason.TooLarge] },
                { "gif 40x30 screen then random bytes", [.. "GIF89a"u8.ToArray(), 40, 0, 30, 0, 0, 0, 0, .. RandomBytes(500, 4)], [ImageDecodeReason.Corrupt, ImageDecodeReason.Truncated] },
                { "html", "<html><body>hello</body></html>"u8.ToArray(), [ImageDecodeReason.UnsupportedFormat] },
                { "png claiming 30000x30000", TestImages.PngHeaderOnly(30000, 30000), [ImageDecodeReason.TooLarge] },
                { "png claiming 8000x8000 (64 MP)", TestImages.PngHeaderOnly(8000, 8000), [ImageDecodeReason.TooManyPixels] },
                { "png claiming 2000x2000 with no data", TestImages.PngHeaderOnly(2000, 2000), [ImageDecodeReason.Truncated, ImageDecodeReason.Corrupt] },
            };
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Malformed_input_gives_a_clear_error(string name, byte[] bytes, ImageDecodeReason[] allowed)
    {
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bytes));
        Assert.True(allowed.Contains(e.Reason), $"{name}: got {e.Reason}: {e.Message}");
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Bomb_header_is_rejected_with_bounded_memory()
    {
        byte[] bomb = TestImages.PngHeaderOnly(30000, 30000);
        ImageDecoder.Decode(ValidPng()); // warm up Skia and the JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        long workingSetBefore = Environment.WorkingSet;
        for (int i = 0; i < 20; i++) Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bomb));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long grown = Environment.WorkingSet - workingSetBefore;
        Assert.True(allocated < 1_000_000, $"managed allocation {allocated} bytes for 20 rejections");
        Assert.True(grown < 64L * 1024 * 1024, $"working set grew by {grown} bytes (a decoded 30000×30000 would be 3.6 GB)");
    }

    [Fact]
    public void Encoded_size_limit_is_checked_first()
    {
        byte[] png = ValidPng();
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, new ImageDecoderOptions { MaxEncodedBytes = png.Length - 1 }));
        Assert.Equal(ImageDecodeReason.TooManyBytes, e.Reason);
    }

    [Fact]
    public void Dimension_limits_are_configurable()
    {
        byte[] png = ValidPng();
        Assert.Equal(ImageDecodeReason.TooLarge,
            Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, new ImageDecoderOptions { MaxWidth = 55 })).Reason);
        Assert.Equal(ImageDecodeReason.TooManyPixels,
            Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, new ImageDecoderOptions { MaxPixels = 56 * 56 - 1 })).Reason);
        Assert.Equal(56, ImageDecoder.Decode(png, new ImageDecoderOptions { MaxPixels = 56 * 56 }).Width);
    }

    [Fact]
    public void Random_mutations_of_a_valid_png_never_crash()
    {
        byte[] png = ValidPng();
        var random = new Random(11);
        for (int k = 0; k < 300; k++)
        {
            byte[] m = (byte[])png.Clone();
            int flips = 1 + random.Next(8);
            for (int f = 0; f < flips; f++) m[random.Next(m.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0) m = m[..random.Next(1, m.Length)];
            try
            {
                DecodedImage d = ImageDecoder.Decode(m);
                Assert.Equal(d.Width * d.Height * 4, d.Rgba.Length);
            }
            catch (ImageDecodeException)
            {
            }
        }
    }
}
