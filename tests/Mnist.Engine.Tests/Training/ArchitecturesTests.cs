using Mnist.Engine.Formats;
using Mnist.Engine.Networks;
using Mnist.Engine.Tensors;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

public class ArchitecturesTests
{
    public static TheoryData<string> AllNames => [.. Architectures.Names];

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Every_architecture_maps_a_batch_of_digits_to_ten_finite_logits(string name)
    {
        var model = Architectures.Create<float>(name, seed: 3);
        var x = new Tensor<float>(2, 1, 28, 28);
        var rng = new SplitMix(5, 0);
        for (int i = 0; i < x.Length; i++) x.Span[i] = (float)rng.NextDouble();
        var y = Predictions.Predict(model, x);
        Assert.Equal([2, 10], y.Shape);
        Assert.All(y.Span.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>The sizes the comments in <see cref="Architectures"/>, the README and the model cards quote.</summary>
    [Theory]
    [InlineData("default", 241_770, 15.2)]
    [InlineData("fast", 155_626, 1.9)]
    [InlineData("clothing", 436_906, 44.4)]
    public void Documented_sizes_hold(string name, long parameters, double megaflops)
    {
        var stats = ModelStatistics.Compute(Architectures.Create<float>(name));
        Assert.Equal(parameters, stats.Parameters);
        Assert.Equal(megaflops, stats.FlopsPerItem / 1e6, 1);
    }

    [Fact]
    public void Every_recipe_and_dataset_variant_names_a_known_architecture()
    {
        foreach (var recipe in TrainingRecipes.All)
        {
            Assert.Contains(recipe.Architecture, Architectures.Names);
            foreach (var variant in recipe.ByDataset.Values)
                Assert.True(variant.Architecture is null || Architectures.Names.Contains(variant.Architecture), variant.Architecture);
        }
        Assert.Throws<ArgumentException>(() => Architectures.Create<float>("resnet"));
    }
}
