using Mnist.Engine.Preprocessing;
using static Mnist.Engine.Tests.Preprocessing.PreprocTestData;

namespace Mnist.Engine.Tests.Preprocessing;

/// <summary>Blank, uniform, speckled and dot-like inputs say "no digit" with a reason, never a guess.</summary>
public class EmptyInputTests
{
    private static void AssertEmpty(PreprocessResult r, NoDigitReason reason)
    {
        Assert.True(r.IsEmpty, $"expected {reason}, got a digit{Ascii(r.Pixels)}");
        Assert.Equal(reason, r.Reason);
        Assert.False(string.IsNullOrWhiteSpace(r.EmptyReason));
        Assert.All(r.Pixels, v => Assert.Equal(0f, v));
        Assert.Equal(784, r.Pixels.Length);
        var untouched = Enumerable.Repeat(0.5f, 784).ToArray();
        Assert.False(r.TryCopyTo(untouched));
        Assert.All(untouched, v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void A_found_digit_copies_its_pixels()
    {
        var found = DigitPreprocessor.FromStrokes([[new StrokePoint(10, 10), new StrokePoint(10, 60)]]);
        Assert.False(found.IsEmpty);
        var destination = new float[784];
        Assert.True(found.TryCopyTo(destination));
        Assert.Equal(found.Pixels, destination);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    [InlineData(137)]
    public void BlankGray_IsNoInk(byte level)
    {
        var gray = new byte[64 * 48];
        Array.Fill(gray, level);
        AssertEmpty(DigitPreprocessor.FromGray(gray, 64, 48), NoDigitReason.NoInk);
    }

    [Fact]
    public void UniformColourPhotoWithNoise_IsNoInk()
    {
        var rng = new Random(1);
        var rgba = new byte[120 * 90 * 4];
        for (int p = 0; p < 120 * 90; p++)
        {
            rgba[p * 4] = (byte)(180 + rng.Next(-6, 7));
            rgba[p * 4 + 1] = (byte)(150 + rng.Next(-6, 7));
            rgba[p * 4 + 2] = (byte)(90 + rng.Next(-6, 7));
            rgba[p * 4 + 3] = 255;
        }
        AssertEmpty(DigitPreprocessor.FromRgba(rgba, 120, 90), NoDigitReason.NoInk);
    }

    [Fact]
    public void FullyTransparentCanvas_IsNoInk() =>
        AssertEmpty(DigitPreprocessor.FromRgba(new byte[30 * 30 * 4], 30, 30), NoDigitReason.NoInk);

    [Fact]
    public void SingleDotOnACanvas_IsTooSmall()
    {
        byte[] gray = DrawGray(280, 280, [[new StrokePoint(140, 100)]], 2.5f);
        AssertEmpty(DigitPreprocessor.FromGray(Invert(gray), 280, 280), NoDigitReason.TooSmall);
    }

    [Fact]
    public void FatDot_IsABlob()
    {
        byte[] gray = DrawGray(280, 280, [[new StrokePoint(140, 100)]], 20f);
        AssertEmpty(DigitPreprocessor.FromGray(gray, 280, 280), NoDigitReason.Blob);
    }

    [Fact]
    public void ScatteredSpecks_AreTooLittleInk()
    {
        var gray = new byte[100 * 100];
        gray[10 * 100 + 10] = gray[50 * 100 + 80] = gray[90 * 100 + 30] = gray[20 * 100 + 70] = gray[70 * 100 + 5] = 255;
        AssertEmpty(DigitPreprocessor.FromGray(gray, 100, 100), NoDigitReason.TooLittleInk);
        gray = new byte[100 * 100];
        gray[10 * 100 + 10] = gray[50 * 100 + 80] = 255;
        AssertEmpty(DigitPreprocessor.FromGray(gray, 100, 100), NoDigitReason.TooLittleInk);
    }

    [Fact]
    public void NoStrokes_IsNoInk()
    {
        AssertEmpty(DigitPreprocessor.FromStrokes([]), NoDigitReason.NoInk);
        AssertEmpty(DigitPreprocessor.FromStrokes([Array.Empty<StrokePoint>()]), NoDigitReason.NoInk);
    }

    [Fact]
    public void SinglePointStroke_AndRepeatedPoint_AreTooSmall()
    {
        AssertEmpty(DigitPreprocessor.FromStrokes([[new StrokePoint(3, 4)]]), NoDigitReason.TooSmall);
        AssertEmpty(DigitPreprocessor.FromStrokes([[new StrokePoint(3, 4), new StrokePoint(3, 4)], [new StrokePoint(3, 4)]]), NoDigitReason.TooSmall);
    }

    [Fact]
    public void TinyStrokeOnAKnownCanvas_IsTooSmall()
    {
        IReadOnlyList<StrokePoint>[] tap = [[new StrokePoint(200, 200), new StrokePoint(203, 201), new StrokePoint(205, 199)]];
        AssertEmpty(DigitPreprocessor.FromStrokes(tap, 400, 300), NoDigitReason.TooSmall);
    }

    [Fact]
    public void RealDigits_AreNeverReportedEmpty()
    {
        for (int i = 0; i < 1000; i++)
        {
            PreprocessResult r = DigitPreprocessor.FromGray(MnistDigit(i), 28, 28);
            Assert.False(r.IsEmpty, $"MNIST test digit {i}: {r.EmptyReason}{Ascii(ToFloats(MnistDigit(i)))}");
        }
    }
}
