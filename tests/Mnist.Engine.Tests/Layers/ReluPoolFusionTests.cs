using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Layers;

/// <summary>
/// In a <see cref="Sequential{T}"/>, a ReLU followed by max pooling leaves its backward pass to the pooling layer (which
/// masks its output gradient by its output): the input gradient must be exactly that of the two layers run on their own.
/// </summary>
public class ReluPoolFusionTests
{
    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)] // overlapping windows: a position can be chosen by several windows
    public void Fused_relu_and_pool_give_the_separate_layers_input_gradient(int kernel, int stride)
    {
        var rng = new SplitMix(3);
        var x = new Tensor<float>(2, 3, 7, 9);
        // About half the inputs negative, and whole windows of them, so some pooled outputs are 0.
        for (int i = 0; i < x.Length; i++) x.Data[i] = i % 19 < 6 ? -1f - (float)rng.NextDouble() : (float)rng.NextGaussian();
        var model = new Sequential<float>([3, 7, 9], [("relu", new ReLU<float>()), ("pool", new MaxPool2d<float>(kernel, stride))]);
        model.NeedsInputGradient = true;
        var y = model.Forward(x);
        var dy = new Tensor<float>(y.Shape);
        for (int i = 0; i < dy.Length; i++) dy.Data[i] = (float)rng.NextGaussian();
        var fused = model.Backward(dy)!.Data.ToArray();

        var relu = new ReLU<float>();
        var pool = new MaxPool2d<float>(kernel, stride);
        pool.Forward(relu.Forward(x));
        var expected = relu.Backward(pool.Backward(dy)!)!.Data;
        Assert.Contains(y.Data, v => v == 0f);
        Assert.Equal(expected, fused);
    }
}
