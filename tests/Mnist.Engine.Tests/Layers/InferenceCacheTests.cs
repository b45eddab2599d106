using Mnist.Engine.Networks;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Layers;

/// <summary>
/// Convolutions keep their weights' prepared forms between inference calls; these tests check that a change of the
/// weights after an inference call (in place, as optimizers, checkpoint loads and imports write them) is seen by the next call.
/// </summary>
public class InferenceCacheTests
{
    [Theory]
    [InlineData("seed", "conv2.weight")]
    [InlineData("seed", "conv1.weight")]
    [InlineData("lenet", "conv2.weight")]
    [InlineData("seed", "fc1.weight")]
    public void Changing_weights_after_an_inference_call_changes_the_next_output(string arch, string parameter)
    {
        var model = Architectures.Create<float>(arch, seed: 3);
        model.Training = false;
        var x = Input(5);
        var before = model.Forward(x).Data.ToArray();
        Assert.Equal(before, model.Forward(x).Data.ToArray());

        var p = model.Parameters.Parameters.Single(q => q.Name == parameter);
        var values = p.Value.Span;
        for (int i = 0; i < values.Length; i += 2) values[i] *= -1.5f;
        var after = model.Forward(x).Data.ToArray();
        Assert.NotEqual(before, after);

        // A fresh model with the same weights has nothing cached: the outputs must agree bit for bit.
        var fresh = Architectures.Create<float>(arch, seed: 99);
        fresh.Training = false;
        model.Parameters.Values.CopyTo(fresh.Parameters.Values, 0);
        Assert.Equal(fresh.Forward(x).Data.ToArray(), after);
    }

    [Fact]
    public void Training_steps_between_inference_calls_are_seen()
    {
        var model = Architectures.Create<float>("seed", seed: 4);
        var x = Input(6);
        model.Training = false;
        var first = model.Forward(x).Data.ToArray();
        // What an optimizer step does: every weight moves a little, in place.
        model.Training = true;
        var all = model.Parameters.Values;
        for (int i = 0; i < all.Length; i++) all[i] += 1e-3f * ((i % 7) - 3);
        model.Training = false;
        var second = model.Forward(x).Data.ToArray();
        var fresh = Architectures.Create<float>("seed", seed: 4);
        fresh.Training = false;
        all.CopyTo(fresh.Parameters.Values, 0);
        Assert.NotEqual(first, second);
        Assert.Equal(fresh.Forward(x).Data.ToArray(), second);
    }

    private static Tensor<float> Input(ulong seed)
    {
        var rng = new SplitMix(seed);
        var x = new Tensor<float>(1, 1, 28, 28);
        for (int i = 0; i < x.Length; i++) x.Data[i] = rng.NextSingle();
        return x;
    }
}
