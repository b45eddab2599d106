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

    [Theory]
    [InlineData(3, 32, 13, 13, 7)] // lenet conv2's shape, fewer samples and output channels; the conv output's last row and column are in no window
    [InlineData(2, 17, 10, 9, 3)] // a partial vector pair of input channels
    public void Convolution_before_relu_and_pool_takes_the_pooled_gradient(int batch, int inChannels, int height, int width, int outChannels)
    {
        var rng = new SplitMix(5);
        var x = new Tensor<float>(batch, inChannels, height, width);
        for (int i = 0; i < x.Length; i++) x.Data[i] = (float)rng.NextGaussian();
        var conv = new Conv2d<float>(inChannels, outChannels, 3, rng: new SplitMix(6));
        var pool = new MaxPool2d<float>(2);
        var model = new Sequential<float>([inChannels, height, width], [("conv", conv), ("relu", new ReLU<float>()), ("pool", pool)])
        {
            Training = true,
            NeedsInputGradient = true,
        };
        var y = model.Forward(x);
        var dy = new Tensor<float>(y.Shape);
        for (int i = 0; i < dy.Length; i++) dy.Data[i] = (float)rng.NextGaussian();
        Assert.Same(conv, pool.Consumer);
        Assert.True(conv.TakesPooledGradient(x.Shape[..1].Concat([outChannels, height - 2, width - 2]).ToArray()));
        Assert.Contains(y.Data, v => v == 0f);
        model.Parameters.ZeroGrad();
        var dx = model.Backward(dy)!.Data.ToArray();
        var grads = model.Parameters.Grads.ToArray();

        // The same layers on their own: dense gradients all the way.
        var conv2 = new Conv2d<float>(inChannels, outChannels, 3, rng: new SplitMix(6)) { Training = true };
        var relu2 = new ReLU<float>() { Training = true };
        var pool2 = new MaxPool2d<float>(2) { Training = true };
        pool2.Forward(relu2.Forward(conv2.Forward(x)));
        var expectedDx = conv2.Backward(relu2.Backward(pool2.Backward(dy)!)!)!.Data;
        var expectedGrads = conv2.Weight.Grad.ToArray().Concat(conv2.Bias!.Grad.ToArray()).ToArray();
        AssertClose(expectedGrads, grads, "parameter gradients");
        AssertClose(expectedDx, dx, "input gradient");
    }

    // Sums of a few hundred products in another order: within 1e-5 of the largest magnitude.
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Max(Math.Abs);
        Assert.True(scale > 0, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * scale, $"{what}[{i}]: expected {expected[i]}, actual {actual[i]}");
    }
}
