using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Layers;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Data.NonDigits;

public class NonDigitTests
{
    [Fact]
    public void Training_additional_and_held_out_categories_are_disjoint_and_every_one_draws()
    {
        Assert.Empty(NonDigitShapes.Training.Intersect(NonDigitShapes.HeldOut));
        Assert.Empty(NonDigitShapes.Additional.Intersect(NonDigitShapes.HeldOut));
        Assert.Empty(NonDigitShapes.Additional.Intersect(NonDigitShapes.Training));
        Assert.Equal(NonDigitShapes.Training.Concat(NonDigitShapes.Additional), NonDigitShapes.Trainable);
        // A name typed in the wrong case must not silently pick another category (N is trained on, small-n is not).
        var names = NonDigitShapes.Trainable.Concat(NonDigitShapes.HeldOut).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var category in NonDigitShapes.Trainable.Concat(NonDigitShapes.HeldOut))
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
    public void Every_category_is_known_by_one_fixed_key()
    {
        // Measurement streams are keyed by it: a held-out category's place in its family, a trainable one's 1000 + its place.
        Assert.Equal(Enumerable.Range(0, NonDigitShapes.HeldOut.Count), NonDigitShapes.HeldOut.Select(NonDigitShapes.Key));
        Assert.Equal(Enumerable.Range(1000, NonDigitShapes.Trainable.Count), NonDigitShapes.Trainable.Select(NonDigitShapes.Key));
        Assert.All(NonDigitShapes.Trainable.Concat(NonDigitShapes.HeldOut), c => Assert.True(NonDigitShapes.IsKnown(c), c));
        Assert.False(NonDigitShapes.IsKnown("seven"));
        Assert.False(NonDigitShapes.IsKnown("h"));
        Assert.Throws<ArgumentException>(() => NonDigitShapes.Key("seven"));
    }

    [Fact]
    public void A_run_trains_on_the_categories_it_names_and_never_on_held_out_ones()
    {
        var set = new NonDigitTrainingSet(4, categories: ["K", "pi"]);
        Assert.Equal(["K", "pi"], set.Categories);
        Assert.Equal("K,pi", set.Describe().Categories);
        Assert.Contains("categories K,pi", set.Describe().ToSummary(), StringComparison.Ordinal);
        Assert.DoesNotContain("categories", new NonDigitTrainingSet(4).Describe().ToSummary(), StringComparison.Ordinal);
        Assert.True(new NonDigitTrainingState { Categories = "" }.IsTrainingFamily); // checkpoints from before categories were recorded
        Assert.False(new NonDigitTrainingSet(4, categories: [.. NonDigitShapes.Training.Reverse()]).Describe().IsTrainingFamily); // the order is drawn in turn
        var combined = set.AppendTo(new MnistDataset(new byte[784], [1]));
        set.Render(combined, 1, epoch: 0, seed: 3, threads: 1);
        Assert.All(Enumerable.Range(1, 4), i => Assert.Contains(combined.Image(i).ToArray(), v => v > 128));

        var heldOut = Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(4, categories: ["K", "H"]));
        Assert.Contains("'H' is a held-out", heldOut.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown non-digit category 'seven'", Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(4, categories: ["seven"])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(4, categories: ["K", "K"]));
        Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(4, categories: []));
    }

    [Fact]
    public void Measurement_drawings_of_a_category_do_not_depend_on_the_list_it_is_in()
    {
        static StrokePoint[] Points(IEnumerable<(string Category, StrokePoint[][] Strokes)> drawings, string category) =>
            [.. drawings.Where(d => d.Category == category).SelectMany(d => d.Strokes.SelectMany(s => s))];
        // The held-out family keeps the drawings it was always measured on.
        Assert.Equal(Points(NonDigitEvaluation.HeldOutDrawings(3), "H"), Points(NonDigitEvaluation.Drawings(["H"], 3), "H"));
        Assert.Equal(Points(NonDigitEvaluation.Drawings(["K", "N"], 3), "N"), Points(NonDigitEvaluation.Drawings(["N"], 3), "N"));
        Assert.Throws<ArgumentException>(() => NonDigitEvaluation.Drawings(["seven"], 3));
    }

    [Fact]
    public void Acceptance_counts_which_digit_each_accepted_input_was_read_as()
    {
        // A model whose answer ignores the image: a confident 7 (logit 8 against 0), or a flat, unsure output.
        static Sequential<float> Constant(float logit7)
        {
            var fc = new Linear<float>(DigitPreprocessor.PixelCount, 10);
            fc.Weight.Value.Span.Clear();
            fc.Bias!.Value.Span.Clear();
            fc.Bias.Value.Span[7] = logit7;
            return new Sequential<float>([1, 28, 28], [("flatten", new Flatten<float>()), ("fc", fc)]);
        }
        var model = Constant(8f);

        var shapes = NonDigitEvaluation.EvaluateShapes(model, perCategory: 3, categories: ["K", "pi"]);
        Assert.All(shapes, r => Assert.Equal(r.Count, r.Accepted));
        Assert.All(shapes, r => Assert.Equal([(7, r.Count)], r.MostReadAs));
        Assert.Equal(6, shapes[^1].ReadAs[7]);

        var images = new byte[3 * 784];
        for (int i = 0; i < 3; i++) for (int y = 8; y < 20; y++) images[i * 784 + y * 28 + 10 + i] = 255; // a stroke each
        var objects = NonDigitEvaluation.EvaluateImages(model, new MnistDataset(images, [0, 0, 0]), "lines");
        Assert.Equal((3, 3), (objects.Count, objects.Accepted));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 3, 0, 0], objects.ReadAs);

        var unsure = NonDigitEvaluation.EvaluateShapes(Constant(0f), perCategory: 3, categories: ["K"]);
        Assert.All(unsure, r => Assert.Equal((3, 0), (r.Count, r.Accepted)));
        Assert.All(unsure, r => Assert.Empty(r.MostReadAs));
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

        AssertRenderedPerEpochAndSeed(set, combined, offset: 3, seed: 9);
        Assert.All(Enumerable.Range(3, 12), i => Assert.Contains(combined.Image(i).ToArray(), v => v > 128));
    }

    /// <summary>
    /// Renders epoch 0 of <paramref name="set"/> into <paramref name="combined"/> on one thread and on several (the same
    /// samples), and epoch 1 (other samples); leaves epoch 0 rendered.
    /// </summary>
    internal static void AssertRenderedPerEpochAndSeed(NonDigitTrainingSet set, MnistDataset combined, int offset, ulong seed)
    {
        set.Render(combined, offset, epoch: 1, seed: seed, threads: 1);
        var other = (byte[])combined.Images.Clone();
        set.Render(combined, offset, epoch: 0, seed: seed, threads: 1);
        var once = (byte[])combined.Images.Clone();
        Assert.NotEqual(other, once);
        set.Render(combined, offset, epoch: 0, seed: seed, threads: 4);
        Assert.Equal(once, combined.Images);
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
    public void Digit_pairs_are_two_digits_of_one_writer_side_by_side_rendered_per_epoch_and_seed()
    {
        // Writer 1 writes a vertical bar, writer 2 a ring: a pair of bars is about as wide as it is tall.
        StrokePoint[][] bar = [[new(50, 0), new(50, 100)]];
        StrokePoint[][] ring = [[.. Enumerable.Range(0, 33).Select(i => new StrokePoint(50 + 40 * MathF.Cos(i * MathF.PI / 16), 50 + 50 * MathF.Sin(i * MathF.PI / 16)))]];
        DrawnDigit[] drawn = [new(1, 1, bar, 1), new(0, 2, ring, 2), new(1, 1, bar, 3), new(0, 2, ring, 4)];
        Assert.Equal([0, 2], DigitPairs.IndexByWriter(drawn)[1]);
        Assert.Equal([1, 3], DigitPairs.IndexByWriter(drawn)[2]);

        var bars = new NonDigitTrainingSet(0, pairs: 8, drawnDigits: [drawn[0], drawn[2]], augmentationName: "none");
        Assert.Equal(8, bars.Count);
        Assert.Equal(8, bars.Describe().Pairs);
        Assert.Contains("8 pairs of drawn digits", bars.Describe().ToSummary());
        var combined = bars.AppendTo(new MnistDataset(new byte[784], [4]));
        Assert.All(combined.Labels[1..], l => Assert.Equal(MnistDataset.NotADigit, l));
        bars.Render(combined, 1, epoch: 0, seed: 3, threads: 1);
        // Two bars from 25 % of the height overlapping to 10 % apart: one run of ink columns or two, never more, and
        // some pairs stand apart.
        var runs = new List<int>();
        for (int k = 1; k <= 8; k++)
        {
            var image = combined.Image(k).ToArray();
            bool[] ink = [.. Enumerable.Range(0, 28).Select(x => Enumerable.Range(0, 28).Any(y => image[y * 28 + x] > 64))];
            runs.Add(Enumerable.Range(0, 28).Count(x => ink[x] && (x == 0 || !ink[x - 1])));
        }
        Assert.All(runs, r => Assert.InRange(r, 1, 2));
        Assert.Contains(2, runs);

        var mixed = new NonDigitTrainingSet(0, pairs: 16, drawnDigits: drawn);
        var both = mixed.AppendTo(new MnistDataset(new byte[784], [4]));
        AssertRenderedPerEpochAndSeed(mixed, both, offset: 1, seed: 5);
        Assert.Throws<ArgumentException>(() => new NonDigitTrainingSet(0, pairs: 3));
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
