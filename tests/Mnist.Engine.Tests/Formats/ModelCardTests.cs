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
