using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Data.NonDigits;

public class TurnedDigitsTests
{
    // Each "digit" is an L-shaped stroke whose corner sits at (10 × label, 0): where its points go tells the transform.
    private static DrawnDigit Corner(int label) =>
        new(label, 1, [[new StrokePoint(10 * label, -20), new StrokePoint(10 * label, 0), new StrokePoint(10 * label + 15, 0)]], label);

    private static readonly DrawnDigit[] AllLabels = [.. Enumerable.Range(0, 10).Select(Corner)];

    private static (StrokePoint[][] Strokes, int SourceLabel, bool Mirror) Compose(TurnedDigits turned, ulong index)
    {
        var rng = new StreamRandom(4, 78, 0, index);
        return turned.Compose(ref rng, null, 0, 0);
    }

    [Fact]
    public void Only_digits_that_are_no_digit_mirrored_or_turned_are_used_and_each_is_mirrored_or_turned_a_quarter()
    {
        var turned = new TurnedDigits(AllLabels);
        int mirrors = 0;
        for (ulong i = 0; i < 400; i++)
        {
            var (strokes, label, mirror) = Compose(turned, i);
            var source = Corner(label).Strokes[0];
            var points = Assert.Single(strokes);
            if (mirror)
            {
                mirrors++;
                Assert.Contains(label, TurnedDigits.MirroredLabels);
                Assert.Equal(source.Select(p => new StrokePoint(-p.X, p.Y)), points);
            }
            else
            {
                Assert.Contains(label, TurnedDigits.TurnedLabels);
                // A quarter turn either way: lengths kept, and the first leg (up from the corner) now lies across.
                Assert.True(points.SequenceEqual(source.Select(p => new StrokePoint(p.Y, -p.X)))
                    || points.SequenceEqual(source.Select(p => new StrokePoint(-p.Y, p.X))), $"{label}: {string.Join(' ', points)}");
            }
        }
        Assert.InRange(mirrors / 400.0, 0.43, 0.57);
        // 0, 1 and 8 look alike either way and 9 mirrored is a P: never used.
        Assert.All(new[] { 0, 1, 8, 9 }, l => Assert.DoesNotContain(l, TurnedDigits.MirroredLabels.Concat(TurnedDigits.TurnedLabels)));
    }

    [Fact]
    public void Turned_digits_depend_only_on_the_stream_and_need_a_usable_label()
    {
        var turned = new TurnedDigits(AllLabels);
        Assert.Equal(Compose(turned, 7).Strokes.SelectMany(s => s), Compose(turned, 7).Strokes.SelectMany(s => s));
        Assert.NotEqual(Compose(turned, 7).Strokes.SelectMany(s => s), Compose(new TurnedDigits(AllLabels), 8).Strokes.SelectMany(s => s));
        // Only 3s: always mirrored. Only 2s: always turned. Only 0, 1, 8 and 9: nothing to make them of.
        Assert.All(Enumerable.Range(0, 20), i => Assert.True(Compose(new TurnedDigits([Corner(3)]), (ulong)i).Mirror));
        Assert.All(Enumerable.Range(0, 20), i => Assert.False(Compose(new TurnedDigits([Corner(2)]), (ulong)i).Mirror));
        Assert.Throws<ArgumentException>(() => new TurnedDigits([Corner(0), Corner(1), Corner(8), Corner(9)]));
    }

    [Fact]
    public void The_training_set_renders_turned_digits_per_epoch_and_seed_after_the_other_non_digits()
    {
        var set = new NonDigitTrainingSet(0, drawnDigits: AllLabels, turned: 10);
        Assert.Equal(10, set.Count);
        Assert.Equal(10, set.Describe().Turned);
        Assert.Contains("10 drawn digits mirrored or turned", set.Describe().ToSummary(), StringComparison.Ordinal);
        var combined = set.AppendTo(new MnistDataset(new byte[784], [4]));
        Assert.All(combined.Labels[1..], l => Assert.Equal(MnistDataset.NotADigit, l));
        NonDigitTests.AssertRenderedPerEpochAndSeed(set, combined, offset: 1, seed: 3);
        Assert.All(Enumerable.Range(1, 10), i => Assert.Contains(combined.Image(i).ToArray(), v => v > 128));

        // Shapes and collages before them keep their samples: the turned digits come after, in slots of their own.
        var before = new NonDigitTrainingSet(5, drawnDigits: AllLabels, collages: 3);
        var withTurned = new NonDigitTrainingSet(5, drawnDigits: AllLabels, collages: 3, turned: 4);
        var x = before.AppendTo(new MnistDataset(new byte[784], [4]));
        var y = withTurned.AppendTo(new MnistDataset(new byte[784], [4]));
        before.Render(x, 1, 0, 9);
        withTurned.Render(y, 1, 0, 9);
        Assert.Equal(x.Images, y.Images.AsSpan(0, x.Images.Length).ToArray());
        Assert.NotEqual(before.Describe(), withTurned.Describe());

        Assert.Contains("Turned digits were asked for without drawn digits", Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(0, turned: 3)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonDigitTrainingSet(0, drawnDigits: AllLabels, turned: -1));
    }
}
