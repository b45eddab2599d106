using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Layers;

/// <summary>Float64 finite-difference checks of the layers added for ONNX import/export.</summary>
public class InferenceLayerGradientTests
{
    [Fact]
    public void Tanh() => GradientCheck.Layer(new Tanh<double>(), [3, 2, 4, 5]);

    [Fact]
    public void Sigmoid() => GradientCheck.Layer(new Sigmoid<double>(), [3, 2, 4, 5]);

    [Theory]
    [InlineData(2, null, 0, false, 6, 6)]
    [InlineData(3, 1, 1, false, 7, 5)]
    [InlineData(3, 2, 1, true, 7, 7)]
    public void AvgPool2d(int kernel, int? stride, int padding, bool countIncludePad, int h, int w) =>
        GradientCheck.Layer(new AvgPool2d<double>(kernel, stride, padding, countIncludePad), [2, 3, h, w]);

    [Fact]
    public void ScaleShift()
    {
        var rng = new SplitMix(11);
        int[] item = [2, 3, 4];
        var scale = GradientCheck.Random([24], rng).Data;
        var shift = GradientCheck.Random([24], rng).Data;
        GradientCheck.Layer(new ScaleShift<double>(item, scale, shift), [3, 2, 3, 4]);
    }

    [Fact]
    public void Reshape() => GradientCheck.Layer(new Reshape<double>(4, 6), [2, 2, 3, 4]);

    [Fact]
    public void AvgPool2d_MatchesHandComputedValues()
    {
        // 1×1×3×3 input 1..9, kernel 2, stride 1, padding 1: the corner window holds one real cell.
        var x = new Tensor<double>([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3);
        var excl = new AvgPool2d<double>(2, 1, 1, countIncludePad: false) { Training = false }.Forward(x);
        var incl = new AvgPool2d<double>(2, 1, 1, countIncludePad: true) { Training = false }.Forward(x);
        Assert.Equal([1, 4, 4], excl.Shape[1..]);
        Assert.Equal(1.0, excl.Data[0]);
        Assert.Equal(0.25, incl.Data[0]);
        Assert.Equal((1 + 2 + 4 + 5) / 4.0, excl.Data[5]);
    }
}
