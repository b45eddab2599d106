using Mnist.Engine.Layers;
using Mnist.Engine.Layers.Fusion;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Layers;

public class GradientCheckTests
{
    [Theory]
    [InlineData(1, 1, 5, 5, 1, 3, 1, 0)]
    [InlineData(2, 3, 7, 6, 4, 3, 1, 1)]
    [InlineData(1, 17, 5, 5, 2, 3, 2, 1)]
    [InlineData(3, 2, 9, 9, 3, 5, 2, 2)]
    [InlineData(2, 2, 6, 6, 1, 1, 1, 0)]
    public void Conv2d(int n, int cin, int h, int w, int cout, int k, int stride, int padding)
    {
        var layer = new Conv2d<double>(cin, cout, k, stride, padding, rng: new SplitMix(3));
        GradientCheck.Layer(layer, [n, cin, h, w]);
    }

    [Fact]
    public void Conv2dWithoutBias() =>
        GradientCheck.Layer(new Conv2d<double>(2, 3, 3, bias: false, rng: new SplitMix(4)), [2, 2, 5, 5]);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 17, 5)]
    [InlineData(3, 9, 10)]
    public void Linear(int n, int input, int output) =>
        GradientCheck.Layer(new Linear<double>(input, output, rng: new SplitMix(5)), [n, input]);

    [Fact]
    public void ReLU() =>
        // Inputs kept away from the kink at 0, where the derivative is undefined.
        GradientCheck.Layer(new ReLU<double>(), [3, 2, 4, 5], shapeInput: AwayFromZero);

    [Theory]
    [InlineData(2, 0, 6, 6)]
    [InlineData(3, 1, 7, 7)]
    [InlineData(2, 1, 5, 8)]
    public void MaxPool2d(int kernel, int padding, int h, int w) =>
        GradientCheck.Layer(new MaxPool2d<double>(kernel, padding: padding), [2, 3, h, w]);

    [Fact]
    public void Flatten() => GradientCheck.Layer(new Flatten<double>(), [2, 3, 4, 5]);

    [Fact]
    public void DropoutInTraining()
    {
        var layer = new Dropout<double>(0.4, new SplitMix(6)) { FreezeMask = true };
        GradientCheck.Layer(layer, [3, 20]);
    }

    [Fact]
    public void DropoutIsIdentityInInference()
    {
        var layer = new Dropout<double>(0.4) { Training = false };
        GradientCheck.Layer(layer, [3, 20]);
    }

    [Theory]
    [InlineData(true, new[] { 4, 3, 5, 5 })]
    [InlineData(false, new[] { 4, 3, 5, 5 })]
    [InlineData(true, new[] { 6, 7 })]
    public void BatchNorm(bool training, int[] shape)
    {
        var layer = new BatchNorm<double>(shape[1]);
        var rng = new SplitMix(8);
        // Non-trivial affine and running statistics so every term of the formulas matters.
        for (int i = 0; i < shape[1]; i++)
        {
            layer.Weight.Value.Span[i] = 0.5 + rng.NextDouble();
            layer.Bias.Value.Span[i] = rng.NextDouble() - 0.5;
            layer.RunningMean[i] = rng.NextDouble() - 0.5;
            layer.RunningVar[i] = 0.5 + rng.NextDouble();
        }
        layer.Training = training;
        GradientCheck.Layer(layer, shape);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void SoftmaxCrossEntropy(double smoothing)
    {
        var rng = new SplitMix(9);
        var model = new Sequential<double>([7], [("fc", new Linear<double>(7, 10, rng: rng))]);
        var x = GradientCheck.Random([5, 7], rng);
        int[] labels = [3, 0, 9, 3, 7];
        var lossFn = new SoftmaxCrossEntropyLoss<double>(smoothing);
        GradientCheck.Objective(model, x, rng, "cross-entropy", y => (lossFn.Forward(y, labels), lossFn.Backward()));
    }

    [Theory]
    [InlineData(1.0, 1.0, 0.0)]
    [InlineData(0.5, 4.0, 0.1)]
    [InlineData(0.9, 0.5, 0.0)]
    public void Distillation(double weight, double temperature, double smoothing)
    {
        var rng = new SplitMix(12);
        var model = new Sequential<double>([7], [("fc", new Linear<double>(7, 10, rng: rng))]);
        var x = GradientCheck.Random([5, 7], rng);
        // Soft targets: rows of a random distribution, one with exact zeros (0·log 0 terms); label -1 takes only the hard term.
        var soft = new double[5 * 10];
        for (int r = 0; r < 5; r++)
        {
            double sum = 0;
            for (int c = 0; c < 10; c++) sum += soft[r * 10 + c] = r == 2 && c % 3 == 0 ? 0 : rng.NextDouble() + 0.01;
            for (int c = 0; c < 10; c++) soft[r * 10 + c] /= sum;
        }
        int[] labels = [3, 0, 9, -1, 7];
        var lossFn = new DistillationLoss<double>(weight, temperature, smoothing);
        GradientCheck.Objective(model, x, rng, "distillation", y => (lossFn.Forward(y, labels, soft), lossFn.Backward()));
    }

    [Fact]
    public void WholeNetwork()
    {
        var rng = new SplitMix(10);
        var model = new Sequential<double>([1, 10, 10],
        [
            ("conv1", new Conv2d<double>(1, 4, 3, padding: 1, rng: rng)),
            ("bn1", new BatchNorm<double>(4)),
            ("relu1", new ReLU<double>()),
            ("pool1", new MaxPool2d<double>(2)),
            ("conv2", new Conv2d<double>(4, 5, 3, stride: 2, rng: rng)),
            ("relu2", new ReLU<double>()),
            ("flatten", new Flatten<double>()),
            ("fc1", new Linear<double>(20, 12, rng: rng)),
            ("relu3", new ReLU<double>()),
            ("drop", new Dropout<double>(0.3, rng) { FreezeMask = true }),
            ("fc2", new Linear<double>(12, 10, rng: rng)),
        ]);
        var x = GradientCheck.Random([3, 1, 10, 10], rng);
        int[] labels = [1, 8, 4];
        var lossFn = new SoftmaxCrossEntropyLoss<double>(0.05);
        GradientCheck.Objective(model, x, rng, "network", y => (lossFn.Forward(y, labels), lossFn.Backward()));
    }

    [Theory]
    [InlineData(9, 9, 3, 2)] // odd conv output: the last row and column are in no window
    [InlineData(10, 21, 4, 2)] // two input channels, 9 windows per row
    public void FirstConvolutionFusedWithReluAndPool(int height, int width, int outChannels, int inChannels)
    {
        var rng = new SplitMix(11);
        var model = new Sequential<double>([inChannels, height, width],
        [
            ("conv1", new Conv2d<double>(inChannels, outChannels, 3, rng: rng)), ("relu1", new ReLU<double>()), ("pool1", new MaxPool2d<double>(2)),
            ("flatten", new Flatten<double>()),
            ("fc", new Linear<double>(outChannels * ((height - 2) / 2) * ((width - 2) / 2), 5, rng: rng)),
        ]) { Training = true };
        var x = GradientCheck.Random([2, inChannels, height, width], rng);
        GradientCheck.Objective(model, x, rng, "conv-relu-pool", inputGradient: false);
        // The check above must have run the fused path: from the input straight to the pooled output.
        var fused = Assert.IsType<ConvReluMaxPool<double>>(model.Layers[0]);
        model.Forward(x);
        Assert.True(fused.PooledOnly);
    }

    [Theory]
    [InlineData(14, 15, 1)] // conv2 output 4×4
    [InlineData(12, 12, 2)] // conv2 output 3×3: its last row and column are in no window
    public void ConvolutionBeforeReluAndPoolFromThePooledGradient(int height, int width, int inChannels)
    {
        var rng = new SplitMix(12);
        int ph = ((height - 2) / 2 - 2) / 2, pw = ((width - 2) / 2 - 2) / 2;
        var model = new Sequential<double>([inChannels, height, width],
        [
            ("conv1", new Conv2d<double>(inChannels, 3, 3, rng: rng)), ("relu1", new ReLU<double>()), ("pool1", new MaxPool2d<double>(2)),
            ("conv2", new Conv2d<double>(3, 4, 3, rng: rng)), ("relu2", new ReLU<double>()), ("pool2", new MaxPool2d<double>(2)),
            ("flatten", new Flatten<double>()),
            ("fc", new Linear<double>(4 * ph * pw, 5, rng: rng)),
        ]) { Training = true };
        var x = GradientCheck.Random([2, inChannels, height, width], rng);
        // With the input gradient on, both convolutions run their backward pass from the pooled gradient.
        GradientCheck.Objective(model, x, rng, "conv-relu-pool sparse backward", inputGradient: true);
        model.Forward(x);
        Assert.True(Assert.IsType<ConvReluMaxPool<double>>(model.Layers[0]).TakesPooledGradient);
        Assert.True(Assert.IsType<ConvReluMaxPool<double>>(model.Layers[1]).TakesPooledGradient);
    }

    private static void AwayFromZero(double[] x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = x[i] >= 0 ? x[i] + 0.05 : x[i] - 0.05;
    }
}
