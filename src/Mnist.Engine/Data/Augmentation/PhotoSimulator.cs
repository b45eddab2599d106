using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// A 28×28 sample as a photo or screenshot would deliver it — drawn at some size and angle on a larger grey canvas of
/// either polarity, with uneven lighting and sensor noise — and read back through the image preprocessing the server
/// and the apps run on pictures (<see cref="DigitPreprocessor.FromGray"/>). What the network sees is then what it gets
/// from a real picture of that digit, ink extraction, cropping and re-framing included.
/// </summary>
/// <remarks>
/// The digit is area-sampled (a grid of ⌈1/scale⌉² bilinear samples per canvas pixel when it is shrunk), as a camera
/// integrates light over a sensor cell; the lighting is a linear gradient over the canvas; the noise is a sum of four
/// uniforms (Irwin–Hall, near enough to Gaussian for grain) per pixel.
/// </remarks>
public static class PhotoSimulator
{
    /// <summary>The stream id of the photo draws, apart from the other augmentation draws of the same sample.</summary>
    public const ulong Domain = 0xF0_7051;

    /// <summary>Least difference in grey levels between ink and background.</summary>
    public const int MinContrast = 80;

    /// <summary>One photo's settings.</summary>
    /// <param name="Scale">Side of the drawn sample relative to its own (1 = 28 canvas pixels).</param>
    /// <param name="AngleDegrees">Rotation, counter-clockwise on screen.</param>
    /// <param name="DarkOnLight">Dark ink on a light background (paper), or light on dark (a board, a screen).</param>
    /// <param name="Background">Grey level of the background at the canvas centre.</param>
    /// <param name="Ink">Grey level of full ink.</param>
    /// <param name="GradientX">Change of the lighting across the canvas's width, in grey levels.</param>
    /// <param name="GradientY">Change of the lighting across the canvas's height, in grey levels.</param>
    /// <param name="Noise">Standard deviation of the per-pixel noise in grey levels.</param>
    /// <param name="Width">Canvas width in pixels.</param>
    /// <param name="Height">Canvas height in pixels.</param>
    /// <param name="CentreX">Horizontal position of the sample's centre on the canvas, in pixels.</param>
    /// <param name="CentreY">Vertical position of the sample's centre on the canvas, in pixels.</param>
    public readonly record struct Photo(float Scale, float AngleDegrees, bool DarkOnLight, float Background, float Ink,
        float GradientX, float GradientY, float Noise, int Width, int Height, float CentreX, float CentreY);

    /// <summary>Draws one photo's settings for a <paramref name="side"/>×<paramref name="side"/> sample from <paramref name="rng"/>.</summary>
    public static Photo Draw(ref StreamRandom rng, AugmentationOptions options, int side)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Always the same number of draws, whatever their values.
        float scale = MathF.Exp(rng.Uniform(MathF.Log(options.PhotoScaleMin), MathF.Log(options.PhotoScaleMax)));
        float angle = rng.Uniform(-options.PhotoRotationDegrees, options.PhotoRotationDegrees);
        bool darkOnLight = rng.NextSingle() < 0.5f;
        float paper = rng.Uniform(MinContrast + 60, 250), ink = rng.Uniform(0, paper - MinContrast);
        float gradientX = rng.Uniform(-40, 40), gradientY = rng.Uniform(-40, 40);
        float noise = rng.Uniform(0, options.PhotoNoiseMax);
        int size = Math.Max(1, (int)MathF.Ceiling(side * scale * 1.42f)); // room for the sample turned by any angle
        int width = size + 6 + rng.NextInt(size + 40), height = size + 6 + rng.NextInt(size + 40);
        float cx = size / 2f + 3 + rng.NextSingle() * (width - size - 6), cy = size / 2f + 3 + rng.NextSingle() * (height - size - 6);
        return darkOnLight
            ? new Photo(scale, angle, true, paper, ink, gradientX, gradientY, noise, width, height, cx, cy)
            : new Photo(scale, angle, false, 255 - paper, 255 - ink, gradientX, gradientY, noise, width, height, cx, cy);
    }

    /// <summary>
    /// The canvas of <paramref name="photo"/>: 8-bit grey, <see cref="Photo.Width"/>·<see cref="Photo.Height"/> pixels,
    /// the sample's intensity (0 background, 255 full ink) blended from background to ink; noise from <paramref name="rng"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="image"/> is not <paramref name="side"/>² bytes.</exception>
    public static byte[] Render(ReadOnlySpan<byte> image, int side, in Photo photo, ref StreamRandom rng)
    {
        if (side < 1 || image.Length != side * side) throw new ArgumentException($"Image must have {side}x{side} bytes.", nameof(image));
        int w = photo.Width, h = photo.Height;
        var canvas = new byte[w * h];
        float angle = photo.AngleDegrees * MathF.PI / 180f, cos = MathF.Cos(angle), sin = MathF.Sin(angle);
        float inverseScale = 1f / photo.Scale, half = side / 2f;
        int grid = Math.Clamp((int)MathF.Ceiling(inverseScale), 1, 8);
        float extent = half * photo.Scale * 1.4143f + 1;
        int x0 = Math.Max(0, (int)(photo.CentreX - extent)), x1 = Math.Min(w, (int)MathF.Ceiling(photo.CentreX + extent));
        int y0 = Math.Max(0, (int)(photo.CentreY - extent)), y1 = Math.Min(h, (int)MathF.Ceiling(photo.CentreY + extent));
        float contrast = photo.Ink - photo.Background;
        const float NoiseScale = 1.7320508f / 65535f; // four uniforms in [0,1): variance 1/3, so ×√3 for unit variance
        for (int y = 0; y < h; y++)
        {
            float lightY = photo.GradientY * ((y + 0.5f) / h - 0.5f);
            for (int x = 0; x < w; x++)
            {
                float coverage = 0;
                if (x >= x0 && x < x1 && y >= y0 && y < y1)
                {
                    for (int gy = 0; gy < grid; gy++)
                    {
                        for (int gx = 0; gx < grid; gx++)
                        {
                            // Canvas point → sample coordinates: undo the shift, the rotation (screen y points down, so a
                            // counter-clockwise turn on screen is clockwise in these axes) and the scale.
                            float dx = x + (gx + 0.5f) / grid - photo.CentreX, dy = y + (gy + 0.5f) / grid - photo.CentreY;
                            float u = (cos * dx - sin * dy) * inverseScale + half - 0.5f;
                            float v = (sin * dx + cos * dy) * inverseScale + half - 0.5f;
                            coverage += Augmenter.Bilinear(image, side, side, u, v);
                        }
                    }
                    coverage /= grid * grid * 255f;
                }
                ulong bits = rng.NextUInt64();
                float grain = ((bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48)) * NoiseScale - 2 * 1.7320508f;
                float light = photo.GradientX * ((x + 0.5f) / w - 0.5f) + lightY;
                float value = photo.Background + light + contrast * coverage + grain * photo.Noise;
                canvas[y * w + x] = (byte)Math.Clamp(MathF.Round(value), 0, 255);
            }
        }
        return canvas;
    }

    /// <summary>
    /// Renders <paramref name="image"/> as a photo drawn from <paramref name="rng"/> and preprocesses it into
    /// <paramref name="destination"/> (784 floats in [0,1]). False, with <paramref name="destination"/> untouched, when the
    /// preprocessing finds no digit on the canvas (the noise or a faint sample can hide it).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="image"/> is not 28×28 bytes or <paramref name="destination"/> is short.</exception>
    public static bool TrySimulate(ReadOnlySpan<byte> image, Span<float> destination, AugmentationOptions options, ref StreamRandom rng)
    {
        if (image.Length != DigitPreprocessor.PixelCount) throw new ArgumentException("Photo simulation takes 28x28 images.", nameof(image));
        if (destination.Length < DigitPreprocessor.PixelCount) throw new ArgumentException("Destination must hold 784 floats.", nameof(destination));
        var photo = Draw(ref rng, options, DigitPreprocessor.Size);
        var canvas = Render(image, DigitPreprocessor.Size, photo, ref rng);
        return DigitPreprocessor.FromGray(canvas, photo.Width, photo.Height).TryCopyTo(destination);
    }
}
