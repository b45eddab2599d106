using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Data.NonDigits;

public class DigitCollagesTests
{
    // Each "digit" is one straight stroke of 21 evenly spaced points, in its own direction: a piece of it stays straight and
    // evenly spaced only if it is a run of consecutive points.
    private static DrawnDigit Line(int label, float angle) =>
        new(label, 1, [[.. Enumerable.Range(0, 21).Select(i => new StrokePoint(100 + 5 * i * MathF.Cos(angle), 100 + 5 * i * MathF.Sin(angle)))]], label);

    private static readonly DrawnDigit[] Lines = [.. Enumerable.Range(0, 5).Select(l => Line(l, l * 0.5f))];

    private static (StrokePoint[][] Strokes, int[] Labels) Compose(DigitCollages collages, ulong index)
    {
        var rng = new StreamRandom(4, 77, 0, index);
        return collages.Compose(ref rng, null, 0, 0);
    }

    [Fact]
    public void A_collage_is_two_or_three_pieces_of_digits_of_different_labels()
    {
        var collages = new DigitCollages(Lines);
        int three = 0;
        for (ulong i = 0; i < 400; i++)
        {
            var (strokes, labels) = Compose(collages, i);
            Assert.InRange(strokes.Length, 2, 3);
            Assert.Equal(strokes.Length, labels.Length);
            Assert.Equal(labels.Length, labels.Distinct().Count());
            if (strokes.Length == 3) three++;
        }
        Assert.InRange(three / 400.0, DigitCollages.ThreePieceProbability - 0.07, DigitCollages.ThreePieceProbability + 0.07);
    }

    [Fact]
    public void Each_piece_is_a_run_of_its_stroke_sized_and_placed_within_the_limits()
    {
        var collages = new DigitCollages(Lines);
        var lengths = new List<int>();
        for (ulong i = 0; i < 200; i++)
        {
            foreach (var piece in Compose(collages, i).Strokes)
            {
                // Consecutive points of the straight, evenly spaced stroke: equal steps, and the ends as far apart as the steps add up to.
                float[] steps = [.. piece.Zip(piece.Skip(1), (a, b) => MathF.Sqrt((b.X - a.X) * (b.X - a.X) + (b.Y - a.Y) * (b.Y - a.Y)))];
                Assert.All(steps, d => Assert.Equal(steps[0], d, 3));
                float span = MathF.Sqrt(MathF.Pow(piece[^1].X - piece[0].X, 2) + MathF.Pow(piece[^1].Y - piece[0].Y, 2));
                Assert.Equal(steps.Sum(), span, 3);
                // A straight piece's longer side is its length times the larger of |cos|, |sin| of its direction: at least
                // length/√2. The piece is scaled so that side is 0.5–1.
                Assert.InRange(span, DigitCollages.MinPieceSize - 1e-4f, MathF.Sqrt(2) * 1.0001f);
                // Its middle lies within the offsets (the turn is about the middle).
                Assert.InRange(0.5f * (piece[0].X + piece[^1].X), -DigitCollages.MaxOffset - 1e-4f, DigitCollages.MaxOffset + 1e-4f);
                Assert.InRange(0.5f * (piece[0].Y + piece[^1].Y), -DigitCollages.MaxOffset - 1e-4f, DigitCollages.MaxOffset + 1e-4f);
                lengths.Add(piece.Length);
            }
        }
        Assert.InRange(lengths.Min(), (int)MathF.Round(DigitCollages.MinPieceShare * 21), 9);
        Assert.Equal(21, lengths.Max());
    }

    [Fact]
    public void Collages_depend_only_on_the_stream_and_a_file_of_one_label_still_makes_them()
    {
        var collages = new DigitCollages(Lines);
        var (a, _) = Compose(collages, 7);
        var (b, _) = Compose(collages, 7);
        var (c, _) = Compose(collages, 8);
        Assert.Equal(a.SelectMany(s => s), b.SelectMany(s => s));
        Assert.NotEqual(a.SelectMany(s => s), c.SelectMany(s => s));

        var (strokes, labels) = Compose(new DigitCollages([Lines[2]]), 1);
        Assert.InRange(strokes.Length, 2, 3);
        Assert.All(labels, l => Assert.Equal(2, l));
        Assert.Throws<ArgumentException>(() => new DigitCollages([]));
    }

    [Fact]
    public void The_training_set_renders_collages_per_epoch_and_seed_whatever_the_threads()
    {
        var set = new NonDigitTrainingSet(0, pairs: 0, drawnDigits: Lines, collages: 12);
        Assert.Equal(12, set.Count);
        Assert.Equal(12, set.Describe().Collages);
        Assert.Contains("12 collages of drawn digits' strokes", set.Describe().ToSummary());
        var combined = set.AppendTo(new MnistDataset(new byte[784], [4]));
        Assert.All(combined.Labels[1..], l => Assert.Equal(MnistDataset.NotADigit, l));
        NonDigitTests.AssertRenderedPerEpochAndSeed(set, combined, offset: 1, seed: 3);
        Assert.All(Enumerable.Range(1, 12), i => Assert.Contains(combined.Image(i).ToArray(), v => v > 128));

        // Shapes and pairs before them keep their samples: the collages come after, in slots of their own.
        var shapes = new NonDigitTrainingSet(5);
        var withCollages = new NonDigitTrainingSet(5, drawnDigits: Lines, collages: 3);
        var x = shapes.AppendTo(new MnistDataset(new byte[784], [4]));
        var y = withCollages.AppendTo(new MnistDataset(new byte[784], [4]));
        shapes.Render(x, 1, 0, 9);
        withCollages.Render(y, 1, 0, 9);
        Assert.Equal(x.Images, y.Images.AsSpan(0, x.Images.Length).ToArray());

        Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(0, collages: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonDigitTrainingSet(0, drawnDigits: Lines, collages: -1));
    }
}
