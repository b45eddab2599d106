using Mnist.Engine.Data;

namespace Mnist.Engine.Tests.Data;

/// <summary>
/// The drawn-digit entry of a model card's <c>training_data</c>: <see cref="DrawnTrainingState.ToCardEntry"/> writes it,
/// <see cref="DrawnTrainingState.FromTrainingData"/> reads the file and writers back (for <c>mnist export --unseen-writers</c>).
/// </summary>
public sealed class DrawnTrainingStateTests
{
    private static DrawnTrainingState State(string file, string writers, int digits) => new()
    {
        File = file, Sha256 = new string('a', 64), Writers = writers, Digits = digits, Copies = 2, Augmentation = "default",
    };

    [Theory]
    [InlineData("pendigits-train.jsonl", "1-30", 7494)]
    [InlineData("pendigits-train.jsonl", "1-10,21-30", 4993)]
    [InlineData("drawn.jsonl", "2", 1)]
    [InlineData("my writers 3 (2 digits).jsonl", "1,3,5-9", 12)] // a file name that looks like the entry's own words
    public void The_entry_round_trips_alone_and_among_the_other_entries(string file, string writers, int digits)
    {
        var state = State(file, writers, digits);
        string entry = state.ToCardEntry();
        Assert.StartsWith(DrawnTrainingState.CardEntryPrefix, entry, StringComparison.Ordinal);
        foreach (string trainingData in new[]
        {
            entry,
            entry + "; not a digit (uniform target): 3000 shapes (default augmentation), 500 pairs of drawn digits per epoch",
            "soft targets: distilled from the mean softmax of mnist.onnx (sha256:00) at temperature 2, weight 0.8 (1 − weight on the hard labels); " + entry,
        })
        {
            var parsed = DrawnTrainingState.FromTrainingData(trainingData);
            Assert.NotNull(parsed);
            Assert.Equal(file, parsed.Value.File);
            Assert.Equal(WriterSet.Parse(writers), parsed.Value.Writers);
            Assert.Equal(writers, parsed.Value.Writers.ToString());
            Assert.Equal(digits, parsed.Value.Digits);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a digit (uniform target): 3000 shapes (default augmentation) per epoch")]
    [InlineData("soft targets: distilled from the mean softmax of a.onnx (sha256:00) at temperature 2, weight 0.8 (1 − weight on the hard labels)")]
    public void Training_data_without_drawn_digits_names_none(string? trainingData) =>
        Assert.Null(DrawnTrainingState.FromTrainingData(trainingData));

    [Fact]
    public void An_entry_with_a_bad_writer_range_is_a_format_error() =>
        Assert.Throws<FormatException>(() => DrawnTrainingState.FromTrainingData("drawn digits: a.jsonl writers 5-2 (3 digits), 2 rendering(s) per digit per epoch"));
}
