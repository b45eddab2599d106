namespace Mnist.Imaging;

/// <summary>Limits and output size of <see cref="ImageDecoder"/>. All limits are checked before pixel memory is allocated.</summary>
public sealed record ImageDecoderOptions
{
    /// <summary>The defaults: 10 MB, 8192 px per side, 40 megapixels, decoded at most 1024 px on the long side.</summary>
    public static ImageDecoderOptions Default { get; } = new();

    /// <summary>Largest accepted encoded size in bytes (default 10 MB).</summary>
    public int MaxEncodedBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Largest accepted width in the header (default 8192).</summary>
    public int MaxWidth { get; init; } = 8192;

    /// <summary>Largest accepted height in the header (default 8192).</summary>
    public int MaxHeight { get; init; } = 8192;

    /// <summary>Largest accepted width·height in the header (default 40,000,000).</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    /// <summary>
    /// Longest side of the decoded result (default 1024). Bigger images are decoded downsampled: JPEG and WebP by
    /// their decoders' own scaling, then an alpha-weighted box filter by an integer factor, row by row where the
    /// format allows it, so a 40 MP photo never needs a 40 MP buffer. Preprocessing only keeps a 20 px box, so 1024 px
    /// loses nothing.
    /// </summary>
    public int TargetMaxSide { get; init; } = 1024;

    internal void Validate()
    {
        if (MaxEncodedBytes < 1) throw new ArgumentException($"MaxEncodedBytes must be ≥ 1; got {MaxEncodedBytes}.", nameof(MaxEncodedBytes));
        if (MaxWidth is < 1 or > 65535) throw new ArgumentException($"MaxWidth must be 1..65535; got {MaxWidth}.", nameof(MaxWidth));
        if (MaxHeight is < 1 or > 65535) throw new ArgumentException($"MaxHeight must be 1..65535; got {MaxHeight}.", nameof(MaxHeight));
        if (MaxPixels is < 1 or > 500_000_000) throw new ArgumentException($"MaxPixels must be 1..500,000,000; got {MaxPixels}.", nameof(MaxPixels));
        if (TargetMaxSide is < 28 or > 4096) throw new ArgumentException($"TargetMaxSide must be 28..4096; got {TargetMaxSide}.", nameof(TargetMaxSide));
    }
}
