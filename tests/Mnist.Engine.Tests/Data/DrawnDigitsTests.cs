using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Data;

public sealed class DrawnDigitsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "drawn-" + Guid.NewGuid().ToString("N"));

    public DrawnDigitsTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // A one (a stem), a seven (bar and stem) and a zero-ish loop, by three writers.
    internal const string Fixture =
        """
        {"split":"train","index":0,"label":1,"writer":1,"strokes":[[[50,10],[50,30],[50,50],[50,70],[50,90]]]}

        {"label":7,"writer":2,"strokes":[[[10,10],[40,10],[70,10],[60,40],[50,70],[40,100]]],"extra":true}
        {"label":0,"writer":3,"strokes":[[[50,10],[80,30],[85,60],[70,90],[50,100],[30,90],[15,60],[20,30],[50,10]],[[48,12],[52,12]]]}
        """;

    private string Write(string text)
    {
        string path = Path.Combine(_folder, "digits.jsonl");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Loader_reads_label_writer_and_strokes_and_ignores_other_fields()
    {
        var set = DrawnDigitSet.Load(Write(Fixture));
        Assert.Equal(3, set.Count);
        Assert.Equal("digits.jsonl", set.Name);
        Assert.Equal(64, set.Sha256.Length);
        Assert.Equal([1, 7, 0], set.Samples.Select(s => s.Label));
        Assert.Equal([1, 2, 3], set.Samples.Select(s => s.Writer));
        Assert.Equal(4, set.Samples[2].Line); // the blank line counts
        Assert.Equal(2, set.Samples[2].Strokes.Length);
        Assert.Equal(new StrokePoint(40, 100), set.Samples[1].Strokes[0][^1]);
        Assert.Equal("1-3", set.Writers.ToString());
    }

    [Theory]
    [InlineData("{\"label\":1,\"writer\":1,\"strokes\":[[[1,2]]]", "line 2: not valid JSON")]
    [InlineData("{\"writer\":1,\"strokes\":[[[1,2]]]}", "line 2: missing \"label\"")]
    [InlineData("{\"label\":12,\"writer\":1,\"strokes\":[[[1,2]]]}", "line 2: label 12 is not a digit")]
    [InlineData("{\"label\":1.5,\"writer\":1,\"strokes\":[[[1,2]]]}", "line 2: \"label\" is not an integer")]
    [InlineData("{\"label\":1,\"writer\":0,\"strokes\":[[[1,2]]]}", "line 2: writer 0")]
    [InlineData("{\"label\":1,\"writer\":1}", "line 2: missing \"strokes\"")]
    [InlineData("{\"label\":1,\"writer\":1,\"strokes\":[]}", "line 2: \"strokes\" is empty")]
    [InlineData("{\"label\":1,\"writer\":1,\"strokes\":[[]]}", "line 2: stroke 1 has no points")]
    [InlineData("{\"label\":1,\"writer\":1,\"strokes\":[[[1,2],[3]]]}", "line 2: stroke 1, point 2 is not an [x,y]")]
    [InlineData("[1,2,3]", "line 2: expected a JSON object")]
    public void Loader_names_the_line_and_the_problem_of_a_malformed_line(string bad, string expected)
    {
        string path = Write("{\"label\":1,\"writer\":1,\"strokes\":[[[1,2],[1,9]]]}\n" + bad + "\n");
        var e = Assert.Throws<DataFormatException>(() => DrawnDigitSet.Load(path));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("digits.jsonl", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_rejects_a_missing_or_empty_file()
    {
        Assert.Throws<DataFormatException>(() => DrawnDigitSet.Load(Path.Combine(_folder, "nope.jsonl")));
        var e = Assert.Throws<DataFormatException>(() => DrawnDigitSet.Load(Write("\n\n")));
        Assert.Contains("no drawn digits", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1-20", "1-20", 20)]
    [InlineData("21-30", "21-30", 10)]
    [InlineData(" 1-5, 8 ,21-30,3", "1-5,8,21-30", 16)]
    [InlineData("7", "7", 1)]
    public void Writer_sets_parse_and_print_as_ranges(string text, string canonical, int count)
    {
        var set = WriterSet.Parse(text);
        Assert.Equal(canonical, set.ToString());
        Assert.Equal(count, set.Count);
        Assert.Equal(set, WriterSet.Parse(set.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0-3")]
    [InlineData("5-2")]
    [InlineData("a")]
    [InlineData("-3")]
    [InlineData("1-")]
    public void Bad_writer_sets_are_refused(string text) => Assert.Throws<FormatException>(() => WriterSet.Parse(text));

    [Fact]
    public void A_writers_split_never_puts_a_writer_on_both_sides()
    {
        var rng = new StreamRandom(3);
        var digits = Enumerable.Range(0, 600).Select(i => new DrawnDigit(i % 10, 1 + rng.NextInt(30), [[new(0, 0), new(1, 5)]], i + 1)).ToArray();
        var set = new DrawnDigitSet(digits, "synthetic");
        var (train, held) = set.SplitByWriters(WriterSet.Parse("1-20"));
        Assert.Equal(set.Count, train.Count + held.Count);
        Assert.Empty(train.Writers.Writers.Intersect(held.Writers.Writers));
        Assert.All(train.Samples, s => Assert.InRange(s.Writer, 1, 20));
        Assert.All(held.Samples, s => Assert.InRange(s.Writer, 21, 30));
        Assert.Equal(held.Samples, set.Where(WriterSet.Parse("21-30")).Samples);
    }

    [Fact]
    public void Stroke_augmentation_is_deterministic_per_seed_and_changes_the_strokes()
    {
        var digit = DrawnDigitSet.Load(Write(Fixture)).Samples[1];
        var a = new StrokeAugmenter(StrokeAugmentationOptions.Default, seed: 7);
        var (first, pen1) = a.Augment(digit.StrokeList, epoch: 2, key: 5);
        var (again, pen2) = new StrokeAugmenter(StrokeAugmentationOptions.Default, seed: 7).Augment(digit.StrokeList, 2, 5);
        Assert.Equal(pen1, pen2);
        Assert.Equal(Flatten(first), Flatten(again));
        Assert.InRange(pen1, StrokeAugmentationOptions.Default.PenWidthMin, StrokeAugmentationOptions.Default.PenWidthMax);
        Assert.Equal((0.05f, 0.20f), (StrokeAugmentationOptions.Default.PenWidthMin, StrokeAugmentationOptions.Default.PenWidthMax));

        Assert.NotEqual(Flatten(digit.Strokes), Flatten(first));
        Assert.NotEqual(Flatten(first), Flatten(new StrokeAugmenter(StrokeAugmentationOptions.Default, seed: 8).Augment(digit.StrokeList, 2, 5).Strokes));
        Assert.NotEqual(Flatten(first), Flatten(a.Augment(digit.StrokeList, 3, 5).Strokes));
        Assert.Equal(new StrokePoint(40, 100), digit.Strokes[0][^1]); // the input is left alone

        var (plain, pen) = new StrokeAugmenter(StrokeAugmentationOptions.None, seed: 7).Augment(digit.StrokeList, 2, 5);
        Assert.Equal(Flatten(digit.Strokes), Flatten(plain));
        Assert.Equal(PreprocessOptions.DefaultPenWidthFraction, pen);
    }

    [Fact]
    public void Augmented_renderings_stay_close_to_the_plain_one_and_training_slots_hold_them_as_bytes()
    {
        var set = DrawnDigitSet.Load(Write(Fixture));
        var training = new DrawnTrainingSet(set, set.Writers, copies: 3, "default");
        Assert.Equal(9, training.Count);
        var mnist = new MnistDataset(new byte[2 * 784], [4, 5]);
        var combined = training.AppendTo(mnist);
        Assert.Equal(11, combined.Count);
        Assert.Equal([4, 5, 1, 1, 1, 7, 7, 7, 0, 0, 0], combined.Labels);

        training.Render(combined, 2, epoch: 0, seed: 1, threads: 2);
        byte[] epoch0 = combined.Images.ToArray();
        training.Render(combined, 2, epoch: 0, seed: 1, threads: 1);
        Assert.Equal(epoch0, combined.Images); // thread count changes nothing
        training.Render(combined, 2, epoch: 1, seed: 1);
        Assert.NotEqual(epoch0, combined.Images); // fresh augmentation each epoch

        var plain = DigitPreprocessor.FromStrokes(set.Samples[1].StrokeList).Pixels;
        for (int k = 5; k < 8; k++)
        {
            var image = combined.Image(k);
            Assert.True(image.ToArray().Any(v => v > 200), "rendering has full ink");
            // The share of the rendering's ink that lies on the plain seven's ink: a pen thinner or wider than the
            // plain one's changes how much ink there is, not where it is.
            double overlap = 0, ink = 0;
            for (int i = 0; i < 784; i++)
            {
                overlap += plain[i] * image[i] / 255.0;
                ink += image[i] / 255.0;
            }
            Assert.True(overlap / ink > 0.5, $"copy {k}: {overlap / ink:F2} of its ink on the plain seven's");
        }
        Assert.Equal("1-3", training.Describe().Writers);
        Assert.Equal(3, training.Describe().Copies);
    }

    private static float[] Flatten(StrokePoint[][] strokes) => strokes.SelectMany(s => s).SelectMany(p => new[] { p.X, p.Y }).ToArray();
}
