using Mnist.Engine.Preprocessing;
using static Mnist.Engine.Tests.Preprocessing.PreprocTestData;

namespace Mnist.Engine.Tests.Preprocessing;

/// <summary>Pen strokes: scale and sampling invariance, real drawn digits, MNIST-like stroke weight.</summary>
public class StrokePreprocessingTests
{
    private static List<IReadOnlyList<StrokePoint>> Transform(IEnumerable<IReadOnlyList<StrokePoint>> strokes, float scale, float dx, float dy) =>
        strokes.Select(s => (IReadOnlyList<StrokePoint>)s.Select(p => new StrokePoint(p.X * scale + dx, p.Y * scale + dy)).ToArray()).ToList();

    /// <summary>Inserts midpoints: the same path sampled twice as densely.</summary>
    private static List<IReadOnlyList<StrokePoint>> Densify(IEnumerable<IReadOnlyList<StrokePoint>> strokes) =>
        strokes.Select(s =>
        {
            var dense = new List<StrokePoint>();
            for (int k = 0; k < s.Count; k++)
            {
                if (k > 0) dense.Add(new StrokePoint((s[k - 1].X + s[k].X) / 2, (s[k - 1].Y + s[k].Y) / 2));
                dense.Add(s[k]);
            }
            return (IReadOnlyList<StrokePoint>)dense;
        }).ToList();

    [Fact]
    public void SameStrokes_InAnyCoordinateScaleOrOffset_GiveTheSameOutput()
    {
        foreach (var (_, strokes) in Pendigits(12))
        {
            float[] reference = DigitPreprocessor.FromStrokes(strokes).Pixels;
            foreach ((float scale, float dx, float dy) in new[] { (0.1f, 0f, 0f), (10f, 0f, 0f), (1f, -1000f, 333f), (0.01f, 0.5f, 0.25f) })
            {
                PreprocessResult r = DigitPreprocessor.FromStrokes(Transform(strokes, scale, dx, dy));
                AssertClose(reference, r.Pixels, 2e-3f, $"strokes scaled {scale}, moved ({dx},{dy})");
            }
        }
    }

    [Fact]
    public void SmallAndLargeDrawings_GetTheSameRelativePenWidth()
    {
        // A digit drawn small on a phone and large on a tablet: the pen follows the digit's size, so the
        // normalized stroke weight (ink mass) is the same.
        float[] small = DigitPreprocessor.FromStrokes(SyntheticTwo(0.3f), 400, 400).Pixels;
        float[] large = DigitPreprocessor.FromStrokes(SyntheticTwo(3.5f), 400, 400).Pixels;
        AssertClose(small, large, 2e-3f, "small vs large drawing");
        Assert.Equal(small.Sum(), large.Sum(), 0.5f);
    }

    [Fact]
    public void DenserSampling_OfTheSamePath_GivesTheSameOutput()
    {
        foreach (var (_, strokes) in Pendigits(8))
        {
            AssertClose(DigitPreprocessor.FromStrokes(strokes).Pixels, DigitPreprocessor.FromStrokes(Densify(strokes)).Pixels, 1e-3f, "densified");
        }
    }

    [Fact]
    public void ThickerPenOption_GivesHeavierStrokes()
    {
        var strokes = SyntheticTwo();
        float thin = DigitPreprocessor.FromStrokes(strokes, options: new PreprocessOptions { PenWidthFraction = 0.08f }).Pixels.Sum();
        float standard = DigitPreprocessor.FromStrokes(strokes).Pixels.Sum();
        float thick = DigitPreprocessor.FromStrokes(strokes, options: new PreprocessOptions { PenWidthFraction = 0.25f }).Pixels.Sum();
        Assert.True(thin < standard && standard < thick, $"ink mass thin {thin}, default {standard}, thick {thick}");
    }

    [Fact]
    public void Pendigits_AreCentredFramedAndMnistWeighted()
    {
        var samples = Pendigits(200);
        double mass = 0;
        foreach (var (label, strokes) in samples)
        {
            PreprocessResult r = DigitPreprocessor.FromStrokes(strokes, 500, 500);
            Assert.False(r.IsEmpty, $"a {label}: {r.EmptyReason}");
            (float cx, float cy) = CentreOfMass(r.Pixels);
            Assert.True(Math.Abs(cx - 14f) <= 0.5f && Math.Abs(cy - 14f) <= 0.5f, $"a {label}: centre of mass ({cx:F2},{cy:F2}){Ascii(r.Pixels)}");
            (int w, int h) = BoxSize(r.Pixels, 0.05f);
            Assert.True(Math.Max(w, h) is >= 19 and <= 21, $"a {label}: box {w}x{h}{Ascii(r.Pixels)}");
            mass += r.Pixels.Sum();
        }
        // MNIST's test digits carry 103.9 on average (sum of values / 255).
        Assert.InRange(mass / samples.Count, 85, 125);
    }

    [Fact]
    public void SinglePointStrokes_InsideADigit_AreDrawnAsDots()
    {
        var strokes = SyntheticTwo();
        strokes.Add([new StrokePoint(90, 40)]);
        PreprocessResult r = DigitPreprocessor.FromStrokes(strokes);
        Assert.False(r.IsEmpty);
        Assert.NotEqual(DigitPreprocessor.FromStrokes(SyntheticTwo()).Pixels, r.Pixels);
    }

    [Fact]
    public void Strokes_AndTheSameStrokesAsAnImage_AgreeRoughly()
    {
        // The image path (border, polarity, stretch) and the stroke path meet in the same framing step.
        var strokes = SyntheticTwo(1f, 20f, 20f);
        byte[] gray = DrawGray(140, 140, strokes, 0.5f * 0.15f * 100f);
        float[] fromImage = DigitPreprocessor.FromGray(gray, 140, 140).Pixels;
        float[] fromStrokes = DigitPreprocessor.FromStrokes(strokes).Pixels;
        AssertClose(fromStrokes, fromImage, 0.03f, "strokes vs image of the strokes");
    }
}
