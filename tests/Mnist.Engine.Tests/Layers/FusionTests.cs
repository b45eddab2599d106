using System.Reflection;
using Mnist.Engine.Kernels;
using Mnist.Engine.Layers;
using Mnist.Engine.Layers.Fusion;
using Mnist.Engine.Networks;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Layers;

/// <summary>
/// <see cref="FusionPass"/> and the fused layers: what the pass makes of the architectures, a finite-difference gradient
/// check of every fused layer kind, and each against its parts run one after another (a <see cref="Sequential{T}"/> built
/// with <c>fuse: false</c>): the same outputs and gradients, bit for bit except where a sum runs in another order.
/// </summary>
public class FusionTests
{
    // ---- The pass ----

    [Theory]
    [InlineData("lenet", "ConvReluMaxPool:conv1+relu1+pool1 ConvReluMaxPool:conv2+relu2+pool2 Flatten:flatten Linear:fc1 ReLU:relu3 Linear:fc2")]
    [InlineData("seed", "ConvRelu:conv1+relu1 ConvReluMaxPool:conv2+relu2+pool Flatten:flatten Linear:fc1 ReLU:relu3 Dropout:dropout Linear:fc2")]
    [InlineData("default", "Conv2d:conv1 BatchNormReluMaxPool:bn1+relu1+pool1 Conv2d:conv2 BatchNormReluMaxPool:bn2+relu2+pool2 " +
                           "Conv2d:conv3 BatchNormReluMaxPool:bn3+relu3+pool3 Flatten:flatten Linear:fc1 ReLU:relu4 Dropout:dropout Linear:fc")]
    [InlineData("clothing", "Conv2d:conv1 BatchNormRelu:bn1+relu1 Conv2d:conv1b BatchNormReluMaxPool:bn1b+relu1b+pool1 Conv2d:conv2 BatchNormRelu:bn2+relu2 " +
                            "Conv2d:conv2b BatchNormReluMaxPool:bn2b+relu2b+pool2 Conv2d:conv3 BatchNormReluMaxPool:bn3+relu3+pool3 Flatten:flatten " +
                            "Linear:fc1 ReLU:relu4 Dropout:dropout Linear:fc")]
    public void The_pass_shows_in_the_layer_list_and_keeps_the_parameters(string arch, string expected)
    {
        var model = Architectures.Create<float>(arch, seed: 1);
        Assert.Equal(expected, string.Join(' ', model.Layers.Select(l => $"{l.GetType().Name.Split('`')[0]}:{l.Name}")));

        // The fused layers run the given layers' objects: the same parameters, in the same order, under the same names.
        Assert.Equal(model.UnfusedLayers, model.Layers.SelectMany(l => l is FusedLayer<float> f ? f.Parts : [l]));
        Assert.Equal(model.UnfusedLayers.SelectMany(l => l.Parameters), model.Layers.SelectMany(l => l.Parameters));
        Assert.Equal(model.Parameters.Parameters, model.Layers.SelectMany(l => l.Parameters));
        var unfused = Architectures.Create<float>(arch, seed: 1, fuse: false);
        Assert.Equal(unfused.Layers, unfused.UnfusedLayers);
        Assert.Equal(unfused.Parameters.Parameters.Select(p => p.Name), model.Parameters.Parameters.Select(p => p.Name));
        Assert.Equal(unfused.Parameters.Values, model.Parameters.Values);
        Assert.All(model.UnfusedLayers, l => Assert.All(l.Parameters, p => Assert.StartsWith(l.Name + ".", p.Name, StringComparison.Ordinal)));
        if (arch == "lenet")
            Assert.Equal("conv1.weight conv1.bias conv2.weight conv2.bias fc1.weight fc1.bias fc2.weight fc2.bias",
                string.Join(' ', model.Parameters.Parameters.Select(p => p.Name)));
    }

    [Fact]
    public void Training_mode_and_the_input_gradient_switch_reach_the_parts()
    {
        var model = Architectures.Create<float>("default", seed: 1);
        model.Training = false;
        Assert.All(model.UnfusedLayers, l => Assert.False(l.Training));
        model.Training = true;
        Assert.All(model.UnfusedLayers, l => Assert.True(l.Training));
        var lenet = Architectures.Create<float>("lenet", seed: 1);
        Assert.False(lenet.Layers[0].NeedsInputGradient);
        Assert.False(lenet.UnfusedLayers[0].NeedsInputGradient);
        lenet.NeedsInputGradient = true;
        Assert.True(lenet.UnfusedLayers[0].NeedsInputGradient);
    }

    [Fact]
    public void Plain_layers_hold_no_reference_to_a_neighbour()
    {
        foreach (var type in new[] { typeof(Conv2d<float>), typeof(ReLU<float>), typeof(MaxPool2d<float>), typeof(BatchNorm<float>) })
        {
            var members = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(f => (f.Name, f.FieldType))
                .Concat(type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(p => (p.Name, p.PropertyType)));
            Assert.DoesNotContain(members, m => typeof(Layer<float>).IsAssignableFrom(m.Item2));
            Assert.DoesNotContain(type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic),
                p => p.PropertyType == typeof(bool) && p.SetMethod is not null && p.Name is not (nameof(Layer<float>.Training) or nameof(Layer<float>.NeedsInputGradient)));
        }
    }

    [Fact]
    public void Convolution_options_reach_every_convolution()
    {
        var options = new ConvolutionOptions { Winograd = false, SparsePoolBackward = false };
        var model = Architectures.Create<float>("clothing", seed: 1, options);
        var convs = model.UnfusedLayers.OfType<Conv2d<float>>().ToList();
        Assert.Equal(5, convs.Count);
        Assert.All(convs, c => Assert.Same(options, c.Options));
        Assert.All(Architectures.Create<float>("lenet").UnfusedLayers.OfType<Conv2d<float>>(), c => Assert.Same(ConvolutionOptions.Default, c.Options));
    }

    [Fact]
    public void Default_architecture_trains_bit_for_bit_as_its_layers_one_after_another()
    {
        // default fuses BatchNorm → ReLU → MaxPool2d only (its convolutions are padded), all of it exact.
        var fused = Architectures.Create<float>("default", seed: 4);
        var plain = Architectures.Create<float>("default", seed: 4, fuse: false);
        var rng = new SplitMix(5);
        var x = Random([16, 1, 28, 28], rng);
        var labels = Enumerable.Range(0, 16).Select(i => i % 10).ToArray();
        var a = new Trainer(fused, new Adam<float>(fused.Parameters, 1e-3));
        var b = new Trainer(plain, new Adam<float>(plain.Parameters, 1e-3));
        for (int step = 0; step < 3; step++) Assert.Equal(a.Step(x, labels), b.Step(x, labels));
        Assert.Equal(plain.Parameters.Values, fused.Parameters.Values);
        fused.Training = plain.Training = false;
        Assert.Equal(plain.Forward(x).Data, fused.Forward(x).Data);
    }

    // ---- Finite-difference gradient checks (float64) ----

    [Fact]
    public void ConvRelu_gradients() => Check<ConvRelu<double>>([2, 2, 6, 6],
        [("conv", new Conv2d<double>(2, 3, 3, padding: 1, rng: new SplitMix(21))), ("relu", new ReLU<double>())]);

    [Theory]
    [InlineData(true, 2, 0)]   // from the pooled gradient (sparse backward), input gradient on
    [InlineData(false, 2, 0)]  // first layer: from the input straight to the pooled output
    [InlineData(true, 3, 0)]   // overlapping windows: dense
    [InlineData(true, 2, 1)]   // padded convolution: dense
    public void ConvReluMaxPool_gradients(bool inputGradient, int poolKernel, int padding) => Check<ConvReluMaxPool<double>>([2, 2, 10, 9],
        [("conv", new Conv2d<double>(2, 3, 3, padding: padding, rng: new SplitMix(22))), ("relu", new ReLU<double>()), ("pool", new MaxPool2d<double>(poolKernel, 2))],
        inputGradient);

    [Fact]
    public void ConvReluMaxPool_gradients_with_the_sparse_backward_pass_off() => Check<ConvReluMaxPool<double>>([2, 2, 10, 9],
        [("conv", new Conv2d<double>(2, 3, 3, rng: new SplitMix(23), options: new ConvolutionOptions { SparsePoolBackward = false })),
         ("relu", new ReLU<double>()), ("pool", new MaxPool2d<double>(2))]);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormRelu_gradients(bool training) => Check<BatchNormRelu<double>>([4, 3, 5, 5],
        [("bn", Norm(3, training)), ("relu", new ReLU<double>())]);

    [Fact]
    public void BatchNormReluMaxPool_gradients() => Check<BatchNormReluMaxPool<double>>([4, 3, 6, 6],
        [("bn", Norm(3, training: true)), ("relu", new ReLU<double>()), ("pool", new MaxPool2d<double>(2))]);

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    public void ReluMaxPool_gradients(int kernel, int stride) => Check<ReluMaxPool<double>>([2, 3, 7, 9],
        [("relu", new ReLU<double>()), ("pool", new MaxPool2d<double>(kernel, stride))], shapeInput: AwayFromZero);

    // ---- Against the parts run one after another (float32) ----

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConvRelu_equals_its_parts(bool training) => Compare<ConvRelu<float>>([4, 8, 9, 9], training, inputGradient: true, exact: true,
        () => [("conv", new Conv2d<float>(8, 16, 3, padding: 1, rng: new SplitMix(31))), ("relu", new ReLU<float>())]);

    [Theory]
    [InlineData(2, 17, 10, 9, 3, true)]  // from the pooled gradient, a partial vector pair of input channels
    [InlineData(3, 32, 13, 13, 7, true)] // lenet conv2's shape, fewer samples and output channels
    [InlineData(3, 1, 28, 28, 8, false)] // lenet conv1: straight to the pooled output
    public void ConvReluMaxPool_from_the_pooled_gradient_is_close_to_its_parts(int batch, int inChannels, int height, int width, int outChannels, bool inputGradient) =>
        // The pooled kernels sum the same terms in another order: within 1e-5 of the largest magnitude.
        Compare<ConvReluMaxPool<float>>([batch, inChannels, height, width], training: true, inputGradient, exact: false,
            () => [("conv", new Conv2d<float>(inChannels, outChannels, 3, rng: new SplitMix(32))), ("relu", new ReLU<float>()), ("pool", new MaxPool2d<float>(2))]);

    [Theory]
    [InlineData(2, 2, 0, true, false)]  // sparse backward pass off
    [InlineData(3, 2, 0, true, true)]   // overlapping windows
    [InlineData(2, 2, 1, true, true)]   // padded convolution
    [InlineData(2, 2, 0, false, true)]  // inference
    public void ConvReluMaxPool_dense_equals_its_parts(int poolKernel, int poolStride, int padding, bool training, bool sparse) =>
        Compare<ConvReluMaxPool<float>>([3, 6, 12, 11], training, inputGradient: true, exact: true,
            () => [("conv", new Conv2d<float>(6, 8, 3, padding: padding, rng: new SplitMix(33), options: new ConvolutionOptions { SparsePoolBackward = sparse })),
                   ("relu", new ReLU<float>()), ("pool", new MaxPool2d<float>(poolKernel, poolStride))]);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormRelu_equals_its_parts(bool training) => Compare<BatchNormRelu<float>>([5, 4, 6, 6], training, inputGradient: true, exact: true,
        () => [("bn", NormF(4, training)), ("relu", new ReLU<float>())]);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormReluMaxPool_equals_its_parts(bool training) => Compare<BatchNormReluMaxPool<float>>([5, 4, 8, 7], training, inputGradient: true, exact: true,
        () => [("bn", NormF(4, training)), ("relu", new ReLU<float>()), ("pool", new MaxPool2d<float>(2))]);

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)] // overlapping windows: a position can be chosen by several windows
    public void ReluMaxPool_equals_its_parts(int kernel, int stride) => Compare<ReluMaxPool<float>>([2, 3, 7, 9], training: true, inputGradient: true, exact: true,
        () => [("relu", new ReLU<float>()), ("pool", new MaxPool2d<float>(kernel, stride))]);

    // ---- Helpers ----

    private static void Check<TFused>(int[] inputShape, (string, Layer<double>)[] parts, bool inputGradient = true, Action<double[]>? shapeInput = null)
    {
        var model = new Sequential<double>(inputShape[1..], parts);
        Assert.IsType<TFused>(Assert.Single(model.Layers));
        var rng = new SplitMix(7, 99);
        var x = GradientCheck.Random(inputShape, rng);
        shapeInput?.Invoke(x.Data);
        GradientCheck.Objective(model, x, rng, typeof(TFused).Name, inputGradient: inputGradient);
    }

    private static void Compare<TFused>(int[] inputShape, bool training, bool inputGradient, bool exact, Func<(string, Layer<float>)[]> parts)
    {
        var fused = new Sequential<float>(inputShape[1..], parts()) { Training = training, NeedsInputGradient = inputGradient };
        var plain = new Sequential<float>(inputShape[1..], parts(), fuse: false) { Training = training, NeedsInputGradient = inputGradient };
        Assert.IsType<TFused>(Assert.Single(fused.Layers));
        Assert.Equal(plain.Parameters.Values, fused.Parameters.Values);
        var rng = new SplitMix(8);
        var x = Random(inputShape, rng);
        // A third of the inputs negative in runs, so whole windows are, and some pooled outputs are 0.
        for (int i = 0; i < x.Length; i++) if (i % 19 < 6) x.Data[i] = -1f - MathF.Abs(x.Data[i]);
        for (int pass = 0; pass < 2; pass++) // twice: the second pass reuses every buffer
        {
            var y = fused.Forward(x).Data.ToArray();
            var expectedY = plain.Forward(x).Data.ToArray();
            Same(expectedY, y, exact, "output");
            var dy = Random([inputShape[0], .. plain.OutputItemShape], rng);
            fused.Parameters.ZeroGrad();
            plain.Parameters.ZeroGrad();
            var dx = fused.Backward(dy)?.Data.ToArray();
            var expectedDx = plain.Backward(dy)?.Data.ToArray();
            Assert.Equal(expectedDx is null, dx is null);
            if (dx is not null) Same(expectedDx!, dx, exact, "input gradient");
            Same(plain.Parameters.Grads, fused.Parameters.Grads, exact, "parameter gradients");
            foreach (var (p, f) in plain.UnfusedLayers.OfType<BatchNorm<float>>().Zip(fused.UnfusedLayers.OfType<BatchNorm<float>>()))
            {
                Assert.Equal(p.RunningMean, f.RunningMean);
                Assert.Equal(p.RunningVar, f.RunningVar);
            }
        }
    }

    private static void Same(float[] expected, float[] actual, bool exact, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        if (exact)
        {
            Assert.Equal(expected, actual);
            return;
        }
        float scale = expected.Max(Math.Abs);
        Assert.True(scale > 0, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * scale, $"{what}[{i}]: expected {expected[i]}, actual {actual[i]}");
    }

    private static BatchNorm<double> Norm(int channels, bool training)
    {
        var bn = new BatchNorm<double>(channels) { Training = training };
        var rng = new SplitMix(9);
        for (int i = 0; i < channels; i++)
        {
            bn.Weight.Value.Span[i] = 0.5 + rng.NextDouble();
            bn.Bias.Value.Span[i] = rng.NextDouble() - 0.5;
            bn.RunningMean[i] = rng.NextDouble() - 0.5;
            bn.RunningVar[i] = 0.5 + rng.NextDouble();
        }
        return bn;
    }

    private static BatchNorm<float> NormF(int channels, bool training)
    {
        var bn = new BatchNorm<float>(channels) { Training = training };
        var rng = new SplitMix(9);
        for (int i = 0; i < channels; i++)
        {
            bn.Weight.Value.Span[i] = 0.5f + (float)rng.NextDouble();
            bn.Bias.Value.Span[i] = (float)rng.NextDouble() - 0.5f;
            bn.RunningMean[i] = (float)rng.NextDouble() - 0.5f;
            bn.RunningVar[i] = 0.5f + (float)rng.NextDouble();
        }
        return bn;
    }

    private static Tensor<float> Random(int[] shape, SplitMix rng)
    {
        var t = new Tensor<float>(shape);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)rng.NextGaussian();
        return t;
    }

    private static void AwayFromZero(double[] x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = x[i] >= 0 ? x[i] + 0.05 : x[i] - 0.05;
    }
}
