using Mnist.Engine.Preprocessing;
using Mnist.Inference.Tests.TestSupport;
using SkiaSharp;

using Mnist.Imaging;

namespace Mnist.Inference.Tests;

public class ImageDecoderTests
{
    private const int W = 60, H = 44;

    /// <summary>MNIST test digit 0 (a 7) at 1× on a 60×44 black canvas, off-centre.</summary>
    private static byte[] Gray(bool invert = false) => TestImages.Canvas(TestImages.Digit(0), W, H, 1, 20, 9, invert);

    private static PreprocessResult Reference() => DigitPreprocessor.FromGray(Gray(), W, H);

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, ImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp, ImageFormat.WebP)]
    public void Lossless_skia_formats_round_trip_exactly(SKEncodedImageFormat skFormat, ImageFormat format)
    {
        byte[] rgba = TestImages.GrayToRgba(Gray());
        DecodedImage d = ImageDecoder.Decode(TestImages.Encode(rgba, W, H, skFormat));
        Assert.Equal(format, d.Format);
        Assert.Equal((W, H), (d.Width, d.Height));
        Assert.Equal(rgba, d.Rgba);
    }

    [Fact]
    public void Bmp_round_trips_exactly()
    {
        byte[] rgba = TestImages.GrayToRgba(Gray());
        DecodedImage d = ImageDecoder.Decode(TestImages.Bmp(rgba, W, H));
        Assert.Equal(ImageFormat.Bmp, d.Format);
        Assert.Equal(rgba, d.Rgba);
    }

    [Fact]
    public void Gif_round_trips_exactly()
    {
        byte[] gray = Gray();
        DecodedImage d = ImageDecoder.Decode(TestImages.Gif(W, H, gray));
        Assert.Equal(ImageFormat.Gif, d.Format);
        Assert.Equal(1, d.FrameCount);
        Assert.Equal(TestImages.GrayToRgba(gray), d.Rgba);
    }

    [Fact]
    public void Animated_gif_decodes_its_first_frame()
    {
        byte[] first = Gray(), second = Gray(invert: true);
        DecodedImage d = ImageDecoder.Decode(TestImages.Gif(W, H, first, second));
        Assert.Equal(2, d.FrameCount);
        Assert.Equal(TestImages.GrayToRgba(first), d.Rgba);
    }

    [Fact]
    public void Jpeg_preprocesses_like_the_source()
    {
        byte[] jpeg = TestImages.Encode(TestImages.GrayToRgba(Gray()), W, H, SKEncodedImageFormat.Jpeg, 95);
        Assert.Equal(ImageFormat.Jpeg, ImageDecoder.DetectFormat(jpeg));
        PreprocessResult p = ImageDecoder.Preprocess(jpeg);
        Assert.False(p.IsEmpty);
        Assert.True(TestImages.MeanAbsDiff(p.Pixels, Reference().Pixels) < 0.02);
    }

    [Fact]
    public void Black_on_white_is_inverted_and_matches_white_on_black()
    {
        byte[] png = TestImages.Encode(TestImages.GrayToRgba(Gray(invert: true)), W, H, SKEncodedImageFormat.Png);
        PreprocessResult p = ImageDecoder.Preprocess(png);
        Assert.True(p.Inverted);
        Assert.True(TestImages.MeanAbsDiff(p.Pixels, Reference().Pixels) < 0.01);
    }

    [Fact]
    public void Transparent_png_with_black_ink_reads_as_the_digit()
    {
        // A canvas export: black ink whose alpha is the coverage, fully transparent elsewhere.
        byte[] gray = Gray();
        var rgba = new byte[gray.Length * 4];
        for (int i = 0; i < gray.Length; i++) rgba[4 * i + 3] = gray[i];
        byte[] png = TestImages.Encode(rgba, W, H, SKEncodedImageFormat.Png);
        DecodedImage d = ImageDecoder.Decode(png);
        for (int i = 0; i < gray.Length; i++) Assert.Equal(gray[i], d.Rgba[4 * i + 3]);
        PreprocessResult p = ImageDecoder.Preprocess(png);
        Assert.False(p.IsEmpty);
        Assert.True(TestImages.MeanAbsDiff(p.Pixels, Reference().Pixels) < 0.01);
    }

    [Fact]
    public void Jpeg_exif_orientation_6_is_applied_as_a_clockwise_rotation()
    {
        // A red block marks the stored top-left corner; after a 90° clockwise turn it is at the top right.
        byte[] rgba = TestImages.GrayToRgba(Gray());
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
            {
                int i = (y * W + x) * 4;
                rgba[i] = 255; rgba[i + 1] = 0; rgba[i + 2] = 0;
            }
        byte[] jpeg = TestImages.Encode(rgba, W, H, SKEncodedImageFormat.Jpeg, 95);
        DecodedImage upright = ImageDecoder.Decode(jpeg);
        DecodedImage rotated = ImageDecoder.Decode(TestImages.WithExifOrientation(jpeg, 6));

        Assert.Equal(1, upright.Orientation);
        Assert.Equal(6, rotated.Orientation);
        Assert.Equal((H, W), (rotated.Width, rotated.Height));
        // Expected: out(x', y') = stored(y', H − 1 − x'), computed here independently of the decoder.
        for (int y = 0; y < W; y++)
            for (int x = 0; x < H; x++)
                for (int c = 0; c < 4; c++)
                    Assert.Equal(upright.Rgba[(((H - 1 - x) * W) + y) * 4 + c], rotated.Rgba[(y * H + x) * 4 + c]);
        int topRight = (2 * H + (H - 3)) * 4;
        Assert.True(rotated.Rgba[topRight] > 200 && rotated.Rgba[topRight + 1] < 60, "the red mark is at the top right");
    }

    [Fact]
    public void Cmyk_jpeg_decodes_to_the_dark_on_light_digit()
    {
        byte[] digit = TestImages.Digit(0);
        DecodedImage d = ImageDecoder.Decode(TestImages.CmykJpeg(digit));
        Assert.Equal((224, 224), (d.Width, d.Height));
        int worst = 0;
        for (int y = 0; y < 224; y++)
            for (int x = 0; x < 224; x++)
            {
                int expected = 255 - digit[(y / 8) * 28 + x / 8];
                int i = (y * 224 + x) * 4;
                for (int c = 0; c < 3; c++) worst = Math.Max(worst, Math.Abs(d.Rgba[i + c] - expected));
            }
        Assert.True(worst <= 3, $"largest channel error {worst}");
        PreprocessResult p = ImageDecoder.Preprocess(TestImages.CmykJpeg(digit));
        Assert.True(p.Inverted);
        Assert.False(p.IsEmpty);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 3000, 2000)]
    [InlineData(SKEncodedImageFormat.Jpeg, 3000, 2000)]
    [InlineData(SKEncodedImageFormat.Webp, 2400, 1800)]
    public void Large_images_are_decoded_downsampled_without_a_full_size_buffer(SKEncodedImageFormat format, int w, int h)
    {
        int scale = h / 40;
        byte[] gray = TestImages.Canvas(TestImages.Digit(0), w, h, scale, w / 3, 5);
        byte[] encoded = TestImages.Encode(TestImages.GrayToRgba(gray), w, h, format, 90);
        long before = GC.GetAllocatedBytesForCurrentThread();
        DecodedImage d = ImageDecoder.Decode(encoded);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(Math.Max(d.Width, d.Height) <= 1024, $"{d.Width}×{d.Height}");
        Assert.True(d.Downsampled);
        Assert.Equal((w, h), (d.SourceWidth, d.SourceHeight));
        // A full-size RGBA array would be w·h·4 bytes (24 MB at 3000×2000). JPEG decodes scaled and by bands, WebP
        // scaled; PNG needs a full-size temporary, but a native one freed at once: the managed heap sees the output only.
        Assert.True(allocated < 2L * d.Width * d.Height * 4 + 1_000_000, $"allocated {allocated} bytes");
        PreprocessResult p = DigitPreprocessor.FromRgba(d.Rgba, d.Width, d.Height);
        Assert.True(TestImages.MeanAbsDiff(p.Pixels, DigitPreprocessor.FromMnistPixels(TestImages.Digit(0)).Pixels) < 0.12);
    }

    [Fact]
    public void Box_filter_weights_colour_by_alpha()
    {
        // Two pixels: opaque white and transparent red → half-transparent white, not pink.
        byte[] rgba = [255, 255, 255, 255, 255, 0, 0, 0];
        byte[] o = new byte[4];
        RgbaBoxFilter.FilterBand(rgba, rows: 1, width: 2, factor: 2, o);
        Assert.Equal(new byte[] { 255, 255, 255, 128 }, o);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    public void Every_exif_orientation_maps_the_corner_marks_as_specified(int orientation)
    {
        // 3×2 image with distinct pixel values 0..5; compare with the table in Orientation's doc comment.
        const int w = 3, h = 2;
        byte[] rgba = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++) rgba[i * 4] = (byte)i;
        int ow = w, oh = h;
        byte[] o = Orientation.Apply(rgba, ref ow, ref oh, orientation);
        Assert.Equal(orientation >= 5 ? (h, w) : (w, h), (ow, oh));
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                Assert.Equal(sy * w + sx, o[(y * ow + x) * 4]);
            }
    }
}
