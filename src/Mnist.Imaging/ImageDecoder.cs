using System.Globalization;
using System.Runtime.InteropServices;
using Mnist.Engine.Preprocessing;
using SkiaSharp;

namespace Mnist.Imaging;

/// <summary>
/// Decodes PNG, JPEG, WebP, BMP and GIF (first frame) with SkiaSharp into straight-alpha RGBA8, upright and at most
/// <see cref="ImageDecoderOptions.TargetMaxSide"/> on the long side, and feeds <see cref="DigitPreprocessor.FromRgba"/>.
/// </summary>
/// <remarks>
/// <para>Order of checks, each before the memory it guards is allocated: zero bytes; encoded size; format signature;
/// header (SKCodec reads only the header to learn the dimensions); width, height and pixel count; then the pixels.
/// A PNG whose header claims 30000×30000 is rejected after reading its first 33 bytes.</para>
/// <para>Large images are decoded downsampled: JPEG and WebP through their codecs' scaling (DCT scaling, WebP's
/// scaler), then an alpha-weighted box filter by an integer factor. JPEG is decoded a band of rows at a time into
/// the filter, so only a few source rows are in memory. PNG, BMP and GIF have no row-by-row decoding in this Skia
/// build (StartScanlineDecode answers Unimplemented), so a large one is decoded whole into a native temporary of
/// width·height·4 bytes (bounded by <see cref="ImageDecoderOptions.MaxPixels"/>·4, 160 MB at the default; lower
/// MaxPixels where memory is tight), filtered, and freed before returning.</para>
/// <para>EXIF orientation (JPEG, and whatever else the codec reports) is applied to the decoded pixels. Colour
/// profiles are not applied (the stored values are used): preprocessing only needs luminance contrast.</para>
/// <para>Every failure is an <see cref="ImageDecodeException"/> with a <see cref="ImageDecodeReason"/>.</para>
/// </remarks>
public static class ImageDecoder
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Recognizes the format from the first bytes; <see cref="ImageFormat.Unknown"/> otherwise.</summary>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> encoded)
    {
        if (encoded.StartsWith(PngSignature)) return ImageFormat.Png;
        if (encoded.Length >= 3 && encoded[0] == 0xFF && encoded[1] == 0xD8 && encoded[2] == 0xFF) return ImageFormat.Jpeg;
        if (encoded.StartsWith("GIF87a"u8) || encoded.StartsWith("GIF89a"u8)) return ImageFormat.Gif;
        if (encoded.Length >= 12 && encoded.StartsWith("RIFF"u8) && encoded.Slice(8, 4).SequenceEqual("WEBP"u8)) return ImageFormat.WebP;
        if (encoded.Length >= 14 && encoded.StartsWith("BM"u8)) return ImageFormat.Bmp;
        return ImageFormat.Unknown;
    }

    /// <summary>Decodes and preprocesses in one step: the 28×28 MNIST-style result, or "no digit".</summary>
    /// <exception cref="ImageDecodeException">The bytes are not an acceptable image; <see cref="ImageDecodeException.Reason"/> says why.</exception>
    public static PreprocessResult Preprocess(ReadOnlySpan<byte> encoded, ImageDecoderOptions? options = null, PreprocessOptions? preprocess = null) =>
        Preprocess(Decode(encoded, options), preprocess);

    /// <summary>Preprocesses an image decoded earlier (<see cref="Decode"/>): the 28×28 MNIST-style result, or "no digit".
    /// Apart from <see cref="Preprocess(ReadOnlySpan{byte}, ImageDecoderOptions?, PreprocessOptions?)"/> for callers
    /// that tell a bad file from a bad picture (a server: 4xx by decode reason, 422 for what preprocessing refuses).</summary>
    /// <exception cref="ArgumentException">Preprocessing's own limits (e.g. an absurd aspect ratio).</exception>
    public static PreprocessResult Preprocess(DecodedImage image, PreprocessOptions? preprocess = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return DigitPreprocessor.FromRgba(image.Rgba, image.Width, image.Height, PixelOrder.Rgba, 0, preprocess);
    }

    /// <summary>Decodes an encoded image within the limits of <paramref name="options"/>.</summary>
    /// <exception cref="ImageDecodeException">The bytes are not an acceptable image; <see cref="ImageDecodeException.Reason"/> says why.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, ImageDecoderOptions? options = null)
    {
        options ??= ImageDecoderOptions.Default;
        options.Validate();
        if (encoded.IsEmpty) throw new ImageDecodeException(ImageDecodeReason.Empty, "The image is empty (0 bytes).");
        if (encoded.Length > options.MaxEncodedBytes)
            throw new ImageDecodeException(ImageDecodeReason.TooManyBytes,
                Invariant($"The image has {encoded.Length} bytes; at most {options.MaxEncodedBytes} are accepted."));
        ImageFormat format = DetectFormat(encoded);
        if (format == ImageFormat.Unknown)
        {
            if (IsSignaturePrefix(encoded))
                throw new ImageDecodeException(ImageDecodeReason.Truncated, Invariant($"The image is truncated: only {encoded.Length} bytes of a file signature."));
            throw new ImageDecodeException(ImageDecodeReason.UnsupportedFormat,
                $"Not a PNG, JPEG, WebP, BMP or GIF image (first bytes: {Convert.ToHexString(encoded[..Math.Min(8, encoded.Length)])}).");
        }

        using SKData data = SKData.CreateCopy(encoded);
        using var stream = new SKMemoryStream(data);
        using SKCodec? codec = SKCodec.Create(stream, out SKCodecResult createResult);
        if (codec is null) throw Failure(format, createResult, "header");

        SKImageInfo header = codec.Info;
        int w = header.Width, h = header.Height;
        if (w <= 0 || h <= 0) throw new ImageDecodeException(ImageDecodeReason.Corrupt, Invariant($"The {format} header gives a {w}×{h} image.")) { Format = format };
        if (w > options.MaxWidth || h > options.MaxHeight)
            throw new ImageDecodeException(ImageDecodeReason.TooLarge,
                Invariant($"The {format} image is {w}×{h}; at most {options.MaxWidth}×{options.MaxHeight} is accepted.")) { Format = format };
        if ((long)w * h > options.MaxPixels)
            throw new ImageDecodeException(ImageDecodeReason.TooManyPixels,
                Invariant($"The {format} image is {w}×{h} = {(long)w * h} pixels; at most {options.MaxPixels} are accepted.")) { Format = format };

        // Decoder-side scaling where the codec has it (JPEG: k/8, WebP: any size).
        int dw = w, dh = h, target = options.TargetMaxSide;
        if (Math.Max(w, h) > target && format is ImageFormat.Jpeg or ImageFormat.WebP)
        {
            SKSizeI s = codec.GetScaledDimensions((float)target / Math.Max(w, h));
            if (s.Width >= 1 && s.Height >= 1 && s.Width <= w && s.Height <= h) (dw, dh) = (s.Width, s.Height);
        }
        int factor = (Math.Max(dw, dh) + target - 1) / target;
        var info = new SKImageInfo(dw, dh, SKColorType.Rgba8888, SKAlphaType.Unpremul);

        byte[] rgba;
        int ow, oh;
        if (factor == 1)
        {
            rgba = DecodeWhole(codec, info, format);
            (ow, oh) = (dw, dh);
        }
        else if (format is ImageFormat.Png or ImageFormat.Jpeg && codec.StartScanlineDecode(info) == SKCodecResult.Success)
        {
            rgba = DecodeBanded(codec, info, factor, format, out ow, out oh);
        }
        else
        {
            rgba = DecodeWholeThenShrink(codec, info, factor, format, out ow, out oh);
        }

        int orientation = (int)codec.EncodedOrigin;
        if (orientation is < 1 or > 8) orientation = 1;
        if (orientation != 1) rgba = Orientation.Apply(rgba, ref ow, ref oh, orientation);
        return new DecodedImage(rgba, ow, oh, format, w, h, orientation, Math.Max(1, codec.FrameCount));
    }

    private static unsafe byte[] DecodeWhole(SKCodec codec, SKImageInfo info, ImageFormat format)
    {
        byte[] rgba = GC.AllocateUninitializedArray<byte>(checked(info.Width * info.Height * 4));
        SKCodecResult result;
        fixed (byte* p = rgba)
        {
            // Frame 0: the first frame of an animation; ZeroInitialized is not claimed, so uncovered pixels are cleared.
            result = codec.GetPixels(info, (IntPtr)p, info.RowBytes, new SKCodecOptions(0));
        }
        if (result != SKCodecResult.Success) throw Failure(format, result, "pixels");
        return rgba;
    }

    /// <summary>
    /// For codecs without row-by-row decoding (in this Skia: PNG, BMP, GIF): the full-size image goes to a native
    /// temporary (w·h·4 bytes, at most <see cref="ImageDecoderOptions.MaxPixels"/>·4), is filtered band by band and
    /// freed at once, so no large array reaches the garbage-collected heap.
    /// </summary>
    private static unsafe byte[] DecodeWholeThenShrink(SKCodec codec, SKImageInfo info, int factor, ImageFormat format, out int ow, out int oh)
    {
        int dw = info.Width, dh = info.Height;
        long rowBytes = (long)dw * 4;
        byte* whole = (byte*)NativeMemory.Alloc((nuint)(rowBytes * dh));
        try
        {
            SKCodecResult result = codec.GetPixels(info, (IntPtr)whole, info.RowBytes, new SKCodecOptions(0));
            if (result != SKCodecResult.Success) throw Failure(format, result, "pixels");
            ow = (dw + factor - 1) / factor;
            oh = (dh + factor - 1) / factor;
            byte[] output = new byte[ow * oh * 4];
            for (int oy = 0; oy < oh; oy++)
            {
                int rows = Math.Min(factor, dh - oy * factor);
                var band = new ReadOnlySpan<byte>(whole + oy * factor * rowBytes, (int)(rows * rowBytes));
                RgbaBoxFilter.FilterBand(band, rows, dw, factor, output.AsSpan(oy * ow * 4, ow * 4));
            }
            return output;
        }
        finally
        {
            NativeMemory.Free(whole);
        }
    }

    private static unsafe byte[] DecodeBanded(SKCodec codec, SKImageInfo info, int factor, ImageFormat format, out int ow, out int oh)
    {
        int dw = info.Width, dh = info.Height;
        ow = (dw + factor - 1) / factor;
        oh = (dh + factor - 1) / factor;
        byte[] output = new byte[ow * oh * 4];
        byte[] band = new byte[factor * dw * 4];
        fixed (byte* p = band)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                int rows = Math.Min(factor, dh - oy * factor);
                int got = codec.GetScanlines((IntPtr)p, rows, info.RowBytes);
                if (got < rows)
                    throw new ImageDecodeException(ImageDecodeReason.Truncated,
                        Invariant($"The {format} image is truncated: its data ends near row {oy * factor + got} of {dh}.")) { Format = format };
                RgbaBoxFilter.FilterBand(band.AsSpan(0, rows * dw * 4), rows, dw, factor, output.AsSpan(oy * ow * 4, ow * 4));
            }
        }
        return output;
    }

    private static ImageDecodeException Failure(ImageFormat format, SKCodecResult result, string stage) => result switch
    {
        SKCodecResult.IncompleteInput => new ImageDecodeException(ImageDecodeReason.Truncated,
            $"The {format} image is truncated: its data ends before the {(stage == "header" ? "header" : "image")} does.") { Format = format },
        SKCodecResult.Unimplemented or SKCodecResult.InvalidConversion => new ImageDecodeException(ImageDecodeReason.UnsupportedFormat,
            $"This {format} variant cannot be decoded ({result}).") { Format = format },
        _ => new ImageDecodeException(ImageDecodeReason.Corrupt,
            $"The {format} image is corrupt: its {stage} could not be decoded ({result}).") { Format = format },
    };

    private static bool IsSignaturePrefix(ReadOnlySpan<byte> b) =>
        b.Length < 8 && (PngSignature.StartsWith(b) || "GIF89a"u8.StartsWith(b) || "GIF87a"u8.StartsWith(b)
            || (b.Length < 3 && ((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]).StartsWith(b)) || "RIFF"u8.StartsWith(b))
        || (b.Length < 12 && b.StartsWith("RIFF"u8));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
