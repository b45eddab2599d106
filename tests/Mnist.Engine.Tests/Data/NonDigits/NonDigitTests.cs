using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Data.NonDigits;

public class NonDigitTests
{
    [Fact]
    public void Training_and_held_out_categories_are_disjoint_and_every_one_draws()
    {
        Assert.Empty(NonDigitShapes.Training.Intersect(NonDigitShapes.HeldOut));
        foreach (var category in NonDigitShapes.Training.Concat(NonDigitShapes.HeldOut))
        {
            var rng = new StreamRandom(1, 2, 3, 4);
            var strokes = NonDigitShapes.Draw(category, ref rng);
            Assert.NotEmpty(strokes);
            Assert.All(strokes.SelectMany(s => s), p => Assert.True(p.X is > -100 and < 600 && p.Y is > -100 and < 600, $"{category}: {p}"));
            Assert.False(DigitPreprocessor.FromStrokes(strokes).IsEmpty, category);
        }
        Assert.Throws<ArgumentException>(() => { var rng = new StreamRandom(1); NonDigitShapes.Draw("seven", ref rng); });
    }

    [Fact]
    public void Drawings_depend_only_on_the_stream()
    {
        var a = new StreamRandom(5, 6, 7, 8);
        var b = new StreamRandom(5, 6, 7, 8);
        var c = new StreamRandom(5, 6, 7, 9);
        var first = NonDigitShapes.Draw("star", ref a);
        Assert.Equal(first.SelectMany(s => s), NonDigitShapes.Draw("star", ref b).SelectMany(s => s));
        Assert.NotEqual(first.SelectMany(s => s), NonDigitShapes.Draw("star", ref c).SelectMany(s => s));
        Assert.Equal(NonDigitEvaluation.HeldOutDrawings(3).SelectMany(d => d.Strokes.SelectMany(s => s)),
            NonDigitEvaluation.HeldOutDrawings(3).SelectMany(d => d.Strokes.SelectMany(s => s)));
    }

    [Fact]
    public void The_training_set_appends_not_a_digit_samples_rendered_per_epoch_and_seed_whatever_the_threads()
    {
        var digits = new MnistDataset(new byte[3 * 784], [1, 2, 3]);
        var set = new NonDigitTrainingSet(12);
        var combined = set.AppendTo(digits);
        Assert.Equal(15, combined.Count);
        Assert.All(combined.Labels[3..], l => Assert.Equal(MnistDataset.NotADigit, l));
        Assert.Equal([0, 1, 1, 1, 0, 0, 0, 0, 0, 0], combined.ClassCounts());

        set.Render(combined, 3, epoch: 0, seed: 9, threads: 1);
        var once = (byte[])combined.Images.Clone();
        Assert.All(Enumerable.Range(3, 12), i => Assert.Contains(combined.Image(i).ToArray(), v => v > 128));
        set.Render(combined, 3, epoch: 0, seed: 9, threads: 4);
        Assert.Equal(once, combined.Images);
        set.Render(combined, 3, epoch: 1, seed: 9, threads: 1);
        Assert.NotEqual(once, combined.Images);
    }

    [Fact]
    public void Objects_come_from_their_dataset_through_the_image_preprocessing()
    {
        var objects = new MnistDataset(Enumerable.Range(0, 784 * 2).Select(i => (byte)(i % 28 is > 8 and < 20 && i % 784 / 28 is > 5 and < 22 ? 200 : 0)).ToArray(), [0, 0]);
        var set = new NonDigitTrainingSet(0, objects, 5);
        Assert.NotNull(set.ObjectSource);
        var combined = set.AppendTo(new MnistDataset(new byte[784], [4]));
        set.Render(combined, 1, 0, 1);
        var expected = DigitPreprocessor.FromGray(objects.Image(0), 28, 28).Pixels.Select(v => (byte)MathF.Round(v * 255)).ToArray();
        Assert.Equal(expected, combined.Image(1).ToArray());
        Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(0, null, 5));
        Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(0));
    }

    [Fact]
    public void Dataset_files_may_not_hold_the_not_a_digit_label_and_batches_carry_it_as_minus_one()
    {
        Assert.Throws<DataFormatException>(() => new MnistDataset(new byte[784], [MnistDataset.NotADigit]));
        var data = new MnistDataset(new byte[2 * 784], [MnistDataset.NotADigit, 7], allowNotADigit: true);
        var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 2, Shuffle = false, Seed = 1 });
        var batch = loader.Epoch(0).First();
        Assert.Equal([Batch.NotADigit, 7], batch.LabelSpan.ToArray());
    }
}
