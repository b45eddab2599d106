using Mnist.Engine.Preprocessing;
using static Mnist.Engine.Tests.Preprocessing.PreprocTestData;

namespace Mnist.Engine.Tests.Preprocessing;

/// <summary>Gray and RGBA buffers: invariance to position, scale, polarity, colour, noise and alpha.</summary>
public class PixelPreprocessingTests
{
    private static readonly int[] Digits = [0, 1, 2, 3, 4, 7, 11, 18, 61, 99];

    private static float[] Reference(int index)
    {
        PreprocessResult r = DigitPreprocessor.FromGray(MnistDigit(index), 28, 28);
        Assert.False(r.IsEmpty, r.EmptyReason);
        return r.Pixels;
    }

    [Fact]
    public void MnistTestDigits_AtOwnSize_StayCloseToTheOriginal()
    {
        double total = 0;
        const int count = 300;
        for (int i = 0; i < count; i++)
        {
            float[] original = ToFloats(MnistDigit(i));
            PreprocessResult r = DigitPreprocessor.FromGray(MnistDigit(i), 28, 28);
            Assert.False(r.IsEmpty, $"digit {i}: {r.EmptyReason}");
            Assert.False(r.Inverted);
            // Recentring by a sub-pixel amount (MNIST placed the centre of mass to the nearest pixel) blurs a little.
            AssertClose(original, r.Pixels, 0.08f, $"MNIST test digit {i}");
            total += MeanAbsDiff(original, r.Pixels);
        }
        Assert.True(total / count < 0.035, $"mean |diff| over {count} digits {total / count:F4}");
    }

    [Fact]
    public void MnistTestDigits_Upscaled3x_StayCloseToTheOriginal()
    {
        foreach (int i in Digits)
        {
            float[] original = ToFloats(MnistDigit(i));
            PreprocessResult r = DigitPreprocessor.FromGray(Embed(MnistDigit(i), 84, 84, 0, 0, 3), 84, 84);
            AssertClose(original, r.Pixels, 0.08f, $"digit {i} upscaled 3x");
            AssertClose(Reference(i), r.Pixels, 0.01f, $"digit {i} upscaled 3x vs own size");
        }
    }

    [Fact]
    public void AnyOffsetInALargerCanvas_GivesTheSameResult()
    {
        foreach (int i in Digits)
        {
            float[] reference = Reference(i);
            InkBounds own = DigitPreprocessor.FromGray(MnistDigit(i), 28, 28).InkBounds;
            foreach ((int ox, int oy) in new[] { (0, 0), (72, 0), (0, 52), (35, 17), (72, 52) })
            {
                PreprocessResult r = DigitPreprocessor.FromGray(Embed(MnistDigit(i), 100, 80, ox, oy), 100, 80);
                AssertClose(reference, r.Pixels, 1e-4f, $"digit {i} at ({ox},{oy})");
                Assert.Equal(own with { X = own.X + ox, Y = own.Y + oy }, r.InkBounds);
            }
        }
    }

    [Fact]
    public void ScaledTwice_GivesNearlyTheSameResult()
    {
        foreach (int i in Digits)
        {
            PreprocessResult r = DigitPreprocessor.FromGray(Embed(MnistDigit(i), 90, 70, 13, 7, 2), 90, 70);
            AssertClose(Reference(i), r.Pixels, 0.01f, $"digit {i} scaled 2x");
            Assert.Equal(0.5f, r.Scale, 0.06f);
        }
    }

    [Fact]
    public void SyntheticStrokeDigit_AtAnyOffsetAndScale_GivesNearlyTheSameResult()
    {
        float[]? reference = null;
        foreach ((float scale, float dx, float dy, int w, int h) in new[] { (1f, 10f, 10f, 120, 120), (1f, 150f, 40f, 300, 160), (2f, 30f, 20f, 260, 240), (0.5f, 5f, 60f, 70, 130) })
        {
            byte[] gray = DrawGray(w, h, SyntheticTwo(scale, dx, dy), 5f * scale);
            PreprocessResult r = DigitPreprocessor.FromGray(gray, w, h);
            Assert.False(r.IsEmpty, r.EmptyReason);
            reference ??= r.Pixels;
            AssertClose(reference, r.Pixels, 0.02f, $"synthetic 2 at scale {scale}, offset ({dx},{dy})");
            (float cx, float cy) = CentreOfMass(r.Pixels);
            Assert.InRange(cx, 13.75f, 14.25f);
            Assert.InRange(cy, 13.75f, 14.25f);
        }
    }

    [Fact]
    public void SmallDigitInALargeCanvas_StaysRecognizablyClose()
    {
        // A digit shrunk 3:1 by area averaging (about 7 px of ink) in a 160×120 canvas: the framing enlarges it
        // back by bilinear interpolation: detail is lost, position and shape stay.
        foreach (int i in Digits)
        {
            byte[] digit = MnistDigit(i);
            const int w = 160, h = 120;
            var gray = new byte[w * h];
            Array.Fill(gray, (byte)255); // paper
            for (int y = 0; y < 10; y++)
            {
                for (int x = 0; x < 10; x++)
                {
                    int sum = 0;
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++)
                        {
                            int sx = x * 3 + dx - 1, sy = y * 3 + dy - 1;
                            if ((uint)sx < 28 && (uint)sy < 28) sum += digit[sy * 28 + sx];
                        }
                    gray[(70 + y) * w + 33 + x] = (byte)(255 - (sum + 4) / 9);
                }
            }
            PreprocessResult r = DigitPreprocessor.FromGray(gray, w, h);
            Assert.False(r.IsEmpty, r.EmptyReason);
            Assert.True(r.Inverted);
            // Measured 0.04–0.11 on these digits: the blur of a 3× bilinear enlargement, not misplacement.
            AssertClose(Reference(i), r.Pixels, 0.13f, $"digit {i} at 1/3 size");
            (float cx, float cy) = CentreOfMass(r.Pixels);
            Assert.InRange(cx, 13.75f, 14.25f);
            Assert.InRange(cy, 13.75f, 14.25f);
        }
    }

    [Fact]
    public void DarkOnLight_IsInvertedToTheSameResult()
    {
        foreach (int i in Digits)
        {
            PreprocessResult r = DigitPreprocessor.FromGray(Invert(Embed(MnistDigit(i), 60, 50, 20, 11)), 60, 50);
            Assert.True(r.Inverted);
            Assert.Equal(1f, r.Background, 0.01f);
            AssertClose(Reference(i), r.Pixels, 1e-4f, $"digit {i} dark on light");
        }
    }

    [Fact]
    public void FixedPolarity_OverridesDetection()
    {
        byte[] gray = Embed(MnistDigit(0), 40, 40, 5, 5);
        PreprocessResult r = DigitPreprocessor.FromGray(gray, 40, 40, options: new PreprocessOptions { Polarity = PolarityMode.LightOnDark });
        Assert.False(r.Inverted);
        AssertClose(Reference(0), r.Pixels, 1e-4f, "forced light on dark");
    }

    [Fact]
    public void ColouredBackgroundAndNoise_StayClose()
    {
        var rng = new Random(5);
        foreach (int i in Digits)
        {
            const int w = 80, h = 64;
            byte[] digit = Embed(MnistDigit(i), w, h, 30, 20);
            var rgba = new byte[w * h * 4];
            // Dark blue ink on a yellowish paper with Gaussian noise (σ = 8/255) on every channel.
            byte[] paper = [225, 210, 120], ink = [20, 30, 110];
            for (int p = 0; p < w * h; p++)
            {
                float t = digit[p] / 255f;
                for (int c = 0; c < 3; c++)
                {
                    double noise = 8 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    rgba[p * 4 + c] = (byte)Math.Clamp(Math.Round(paper[c] + t * (ink[c] - paper[c]) + noise), 0, 255);
                }
                rgba[p * 4 + 3] = 255;
            }
            PreprocessResult r = DigitPreprocessor.FromRgba(rgba, w, h);
            Assert.False(r.IsEmpty, r.EmptyReason);
            Assert.True(r.Inverted);
            AssertClose(Reference(i), r.Pixels, 0.05f, $"digit {i} on coloured noisy paper");
        }
    }

    [Fact]
    public void UnevenLighting_StaysClose()
    {
        foreach (int i in Digits)
        {
            const int w = 70, h = 70;
            byte[] digit = Embed(MnistDigit(i), w, h, 25, 18);
            var gray = new byte[w * h];
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    // Paper from 250 (top left) down to 160 (bottom right); ink at 30.
                    float paper = 250f - 45f * x / w - 45f * y / h;
                    float t = digit[y * w + x] / 255f;
                    gray[y * w + x] = (byte)MathF.Round(paper + t * (30f - paper));
                }
            }
            PreprocessResult r = DigitPreprocessor.FromGray(gray, w, h);
            Assert.True(r.Inverted);
            AssertClose(Reference(i), r.Pixels, 0.04f, $"digit {i} under uneven lighting");
        }
    }

    [Theory]
    [InlineData(0, 0, 0, PixelOrder.Rgba)]
    [InlineData(255, 0, 0, PixelOrder.Rgba)]
    [InlineData(30, 60, 200, PixelOrder.Bgra)]
    [InlineData(255, 255, 255, PixelOrder.Rgba)]
    public void InkOnTransparent_EqualsWhiteOnBlackGray(byte r, byte g, byte b, PixelOrder order)
    {
        foreach (int i in Digits[..4])
        {
            const int w = 50, h = 40;
            byte[] digit = Embed(MnistDigit(i), w, h, 11, 6);
            var rgba = new byte[w * h * 4];
            for (int p = 0; p < w * h; p++)
            {
                rgba[p * 4 + (order == PixelOrder.Rgba ? 0 : 2)] = r;
                rgba[p * 4 + 1] = g;
                rgba[p * 4 + (order == PixelOrder.Rgba ? 2 : 0)] = b;
                rgba[p * 4 + 3] = digit[p]; // ink colour everywhere, coverage in alpha (a canvas PNG)
            }
            PreprocessResult result = DigitPreprocessor.FromRgba(rgba, w, h, order);
            Assert.False(result.IsEmpty, result.EmptyReason);
            // Black and white ink reach full contrast, so the result is the gray one; coloured ink has less contrast
            // (red: 0.7), which moves the ink-level median a little (step B4) and so the grey levels.
            bool fullContrast = r == g && g == b;
            AssertClose(Reference(i), result.Pixels, fullContrast ? 1e-3f : 0.01f, $"digit {i} ink ({r},{g},{b}) on transparent");
        }
    }

    [Fact]
    public void PremultipliedAlpha_IsUnderstoodWhenFlagged()
    {
        const int w = 40, h = 40;
        byte[] digit = Embed(MnistDigit(3), w, h, 6, 6);
        var rgba = new byte[w * h * 4];
        for (int p = 0; p < w * h; p++)
        {
            // White ink, premultiplied: colour = alpha.
            rgba[p * 4] = rgba[p * 4 + 1] = rgba[p * 4 + 2] = rgba[p * 4 + 3] = digit[p];
        }
        PreprocessResult r = DigitPreprocessor.FromRgba(rgba, w, h, options: new PreprocessOptions { PremultipliedAlpha = true });
        AssertClose(Reference(3), r.Pixels, 1e-3f, "premultiplied white on transparent");
    }

    [Fact]
    public void StrideAndPaddingAreHonoured()
    {
        byte[] digit = Embed(MnistDigit(7), 40, 30, 4, 1);
        const int stride = 47;
        var padded = new byte[stride * 29 + 40];
        Array.Fill(padded, (byte)255); // padding must never be read
        for (int y = 0; y < 30; y++) digit.AsSpan(y * 40, 40).CopyTo(padded.AsSpan(y * stride));
        PreprocessResult r = DigitPreprocessor.FromGray(padded, 40, 30, stride);
        AssertClose(Reference(7), r.Pixels, 1e-4f, "strided buffer");
    }

    [Fact]
    public void MnistPixels_AreOnlyScaled()
    {
        byte[] digit = MnistDigit(5);
        PreprocessResult r = DigitPreprocessor.FromMnistPixels(digit);
        Assert.Equal(ToFloats(digit), r.Pixels);
        Assert.True(DigitPreprocessor.FromMnistPixels(new byte[784]).IsEmpty);
    }

    [Fact]
    public void OutputIsAlways784ValuesInUnitRange()
    {
        PreprocessResult r = DigitPreprocessor.FromGray(Embed(MnistDigit(9), 56, 56, 0, 0, 2), 56, 56);
        Assert.Equal(784, r.Pixels.Length);
        Assert.All(r.Pixels, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(DigitPreprocessor.PixelCount, DigitPreprocessor.FromGray(new byte[100], 10, 10).Pixels.Length);
    }
}
