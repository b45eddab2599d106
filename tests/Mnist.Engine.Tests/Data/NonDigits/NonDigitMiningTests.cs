using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Data.NonDigits;

public class NonDigitMiningTests
{
    // Drawn "digits" of every label, each a stroke of its own shape, for the pairs and collages.
    private static DrawnDigit Digit(int label) =>
        new(label, 1, [[new StrokePoint(0, 0), new StrokePoint(20 + 8 * label, 40), new StrokePoint(10, 90 - 5 * label)]], label);

    private static readonly DrawnDigit[] Digits = [.. Enumerable.Range(0, 10).Select(Digit)];

    // 4 shapes, 2 pairs, 3 collages: slots 0–3 and 6–8 are mined, 4–5 (pairs) never are.
    private static NonDigitTrainingSet Set(int mining) => new(4, pairs: 2, drawnDigits: Digits, collages: 3, mining: mining);

    private static readonly int[] MinedSlots = [0, 1, 2, 3, 6, 7, 8];

    private static byte[] Slot(MnistDataset combined, int slot) => combined.Image(1 + slot).ToArray();

    /// <summary>A score that ranks draw <paramref name="favourite"/> of every mined slot first, checking how it is called.</summary>
    private static Func<float[][], float[]> Favouring(int favourite, int draws, List<int> calls) => images =>
    {
        calls.Add(images.Length);
        Assert.All(images, i => Assert.Equal(DigitPreprocessor.PixelCount, i.Length));
        return [.. images.Select((_, i) => i % draws == favourite ? 1f : 0f)];
    };

    [Fact]
    public void Mining_keeps_the_draw_the_score_ranks_first_and_leaves_pairs_and_the_first_epoch_alone()
    {
        var plain = Set(1);
        var expected = plain.AppendTo(new MnistDataset(new byte[784], [4]));
        Assert.Null(plain.Render(expected, 1, epoch: 1, seed: 5, digitScore: _ => throw new InvalidOperationException("no mining, no score")));

        var mining = Set(3);
        var calls = new List<int>();
        var combined = mining.AppendTo(new MnistDataset(new byte[784], [4]));

        // Draw 0 of each slot is the plain set's sample: favouring it renders exactly what no mining does.
        byte[]? picks = mining.Render(combined, 1, epoch: 1, seed: 5, threads: 1, digitScore: Favouring(0, 3, calls));
        Assert.Equal(expected.Images, combined.Images);
        Assert.Equal(new byte[MinedSlots.Length], picks);
        Assert.Equal([MinedSlots.Length * 3], calls);

        // Favouring draw 2 changes every mined slot and no pair.
        picks = mining.Render(combined, 1, epoch: 1, seed: 5, threads: 4, digitScore: Favouring(2, 3, calls));
        Assert.Equal(Enumerable.Repeat((byte)2, MinedSlots.Length), picks);
        Assert.All(MinedSlots, k => Assert.NotEqual(Slot(expected, k), Slot(combined, k)));
        Assert.All(new[] { 4, 5 }, k => Assert.Equal(Slot(expected, k), Slot(combined, k)));

        // The picks alone render the same epoch again without the model (a run resumed mid-epoch).
        var again = mining.AppendTo(new MnistDataset(new byte[784], [4]));
        Assert.Equal(picks, mining.Render(again, 1, epoch: 1, seed: 5, picks: picks));
        Assert.Equal(combined.Images, again.Images);
        Assert.Throws<ArgumentException>(() => mining.Render(again, 1, epoch: 1, seed: 5, picks: [1, 2]));
        Assert.Throws<ArgumentNullException>(() => mining.Render(again, 1, epoch: 1, seed: 5));

        // The first epoch is never mined: the model knows nothing yet.
        Assert.Null(mining.Render(combined, 1, epoch: 0, seed: 5, digitScore: _ => throw new InvalidOperationException("epoch 0 is not mined")));
        plain.Render(expected, 1, epoch: 0, seed: 5);
        Assert.Equal(expected.Images, combined.Images);
    }

    [Fact]
    public void Mining_is_recorded_and_bounded()
    {
        Assert.Equal(1, Set(1).Describe().Mining);
        Assert.Equal(4, Set(4).Describe().Mining);
        Assert.NotEqual(Set(1).Describe(), Set(4).Describe()); // so that --resume refuses another value
        Assert.Contains("the most digit-like of 4 draws", Set(4).Describe().ToSummary(), StringComparison.Ordinal);
        Assert.DoesNotContain("draws", Set(1).Describe().ToSummary(), StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Set(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Set(NonDigitTrainingSet.MaxMining + 1));
        Assert.Equal(1, new NonDigitTrainingState().Mining); // checkpoints from before mining existed
    }
}
