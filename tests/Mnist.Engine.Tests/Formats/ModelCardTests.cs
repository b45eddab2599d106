using Mnist.Engine.Formats;
using Mnist.Engine.Networks;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Formats;

public class ModelCardTests
{
    private static readonly ModelCard Sample = new("lenet", "mnist", 0.9912, 123.5, DigitPreprocessor.Version, ModelCard.ProducerName, "0.1.0",
        225_034, 5_262_080, 42, "mnist train --arch lenet", "test machine", new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    [Fact]
    public void Json_RoundTrips_WithSnakeCaseNames()
    {
        string json = Sample.ToJson();
        Assert.Contains("\"test_accuracy\": 0.9912", json, StringComparison.Ordinal);
        Assert.Contains("\"preprocessing_version\": 1", json, StringComparison.Ordinal);
        Assert.Contains("\"flops_per_digit\": 5262080", json, StringComparison.Ordinal);
        Assert.Contains("\"created_utc\": \"2025-01-02T03:04:05+00:00\"", json, StringComparison.Ordinal);
        Assert.Equal(Sample, ModelCard.FromJson(json));
    }

    [Fact]
    public void Metadata_RoundTrips_AndOmitsMissingValues()
    {
        var dict = Sample.ToMetadata().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("lenet", dict["architecture"]);
        Assert.Equal("2025-01-02T03:04:05Z", dict["created_utc"]);
        Assert.Equal("mnist-cs", dict["producer"]);
        Assert.Equal(Sample, ModelCard.FromMetadata(dict));

        var partial = Sample with { TestAccuracy = null, Seed = null, CommandLine = null };
        var pdict = partial.ToMetadata().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.False(pdict.ContainsKey("test_accuracy"));
        Assert.Equal(partial, ModelCard.FromMetadata(pdict));
        Assert.Null(ModelCard.FromMetadata(new Dictionary<string, string> { ["foo"] = "bar" }));
    }

    [Fact]
    public void UnseenWriters_RoundTripsThroughJsonAndMetadata_AndIsOmittedWhenNull()
    {
        const string Line = "leave-writers-out on pendigits-train.jsonl: writers 1-10 99.24 % (2,480 of 2,499; fold trained on 11-30); "
            + "all 30 writers 99.05 % (7,423 of 7,494 digits), worst writer 28 94.40 % (236 of 250)";
        var card = Sample with { TrainingData = "drawn digits: pendigits-train.jsonl writers 1-30 (7494 digits)", UnseenWriters = Line };

        string json = card.ToJson();
        Assert.Contains("\"unseen_writers\": \"leave-writers-out on pendigits-train.jsonl: ", json, StringComparison.Ordinal);
        Assert.Equal(card, ModelCard.FromJson(json));
        var dict = card.ToMetadata().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(Line, dict["unseen_writers"]);
        Assert.Equal(card, ModelCard.FromMetadata(dict));

        // Absent: no JSON key and no metadata entry, and a card written before the field existed reads as null.
        Assert.DoesNotContain("unseen_writers", Sample.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain(Sample.ToMetadata(), kv => kv.Key == "unseen_writers");
        Assert.Null(ModelCard.FromJson(Sample.ToJson()).UnseenWriters);
    }

    [Fact]
    public void Statistics_CountLeNetParametersAndFlops()
    {
        var s = ModelStatistics.Compute(Architectures.Create<float>("lenet"));
        // conv1 32·9+32, conv2 64·32·9+64, fc1 1600·128+128, fc2 128·10+10
        Assert.Equal(320 + 18_496 + 204_928 + 1_290, s.Parameters);
        // MACs: conv1 32·26·26·9, conv2 64·11·11·32·9, fc1 1600·128, fc2 128·10
        Assert.Equal(2L * (194_688 + 2_230_272 + 204_800 + 1_280), s.FlopsPerItem);
        Assert.Equal("Conv2d", s.Layers[0].Kind);
        Assert.Equal([32, 26, 26], s.Layers[0].OutputItemShape);
    }

    [Fact]
    public void Create_FillsStatisticsProducerAndMachine()
    {
        var model = Architectures.Create<float>("seed");
        var card = ModelCard.Create(model, "seed", seed: 3);
        Assert.Equal(model.ParameterCount, card.Parameters);
        Assert.Equal("mnist-cs", card.Producer);
        Assert.Equal(DigitPreprocessor.Version, card.PreprocessingVersion);
        Assert.Contains("logical cores", card.Machine, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, card.CreatedUtc.Offset);
    }
}
