using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Layers;

/// <summary>
/// Central finite differences in float64 against the analytic backward pass. The scalar objective is
/// L = Σ r ⊙ f(x) with a fixed random r, so backward is fed r and must return ∂L/∂x and accumulate ∂L/∂θ.
/// </summary>
internal static class GradientCheck
{
    private const double Step = 1e-6;
    // Relative to the larger magnitude of the two estimates; finite differences in float64 agree to ~1e-8.
    private const double RelativeTolerance = 1e-6;
    private const double AbsoluteTolerance = 1e-8;

    public static void Layer(Layer<double> layer, int[] inputShape, int seed = 1, Action<double[]>? shapeInput = null)
    {
        var rng = new SplitMix((ulong)seed, 99);
        var x = Random(inputShape, rng);
        shapeInput?.Invoke(x.Data);
        var model = new Sequential<double>(inputShape[1..], [("layer", layer)]) { NeedsInputGradient = true };
        Objective(model, x, rng, label: layer.GetType().Name);
    }

    /// <summary>
    /// Checks ∂L/∂x and every ∂L/∂θ of a whole model, L = Σ r ⊙ model(x), or the given loss. Without
    /// <paramref name="inputGradient"/> only ∂L/∂θ is checked and the first layer is left without an input gradient,
    /// as in training (which lets a first convolution fuse with the pooling after it).
    /// </summary>
    public static void Objective(Sequential<double> model, Tensor<double> x, SplitMix rng, string label,
        Func<Tensor<double>, (double Loss, Tensor<double> OutputGrad)>? loss = null, bool inputGradient = true)
    {
        model.NeedsInputGradient = inputGradient;
        var outShape = new[] { x.Dim(0) }.Concat(model.OutputItemShape).ToArray();
        var r = Random(outShape, rng);
        loss ??= y => (Dot(y.Data, r.Data), r);

        model.Parameters.ZeroGrad();
        var y0 = model.Forward(x);
        var (_, dy) = loss(y0);
        var dx = model.Backward(dy);
        if (inputGradient != dx is not null) throw new InvalidOperationException(inputGradient ? "No input gradient." : "An input gradient nobody asked for.");
        var analyticX = dx is null ? null : (double[])dx.Data.Clone();
        var analyticP = (double[])model.Parameters.Grads.Clone();

        double Evaluate() => loss(model.Forward(x)).Loss;

        if (analyticX is not null) Compare($"{label} ∂L/∂x", x.Data, analyticX, Evaluate);
        Compare($"{label} ∂L/∂θ", model.Parameters.Values, analyticP, Evaluate);
    }

    private static void Compare(string what, double[] values, double[] analytic, Func<double> evaluate)
    {
        // Every element for small tensors; an evenly spread sample of 300 for larger ones.
        int stride = Math.Max(1, values.Length / 300);
        double worst = 0;
        for (int i = 0; i < values.Length; i += stride)
        {
            double saved = values[i];
            values[i] = saved + Step;
            double plus = evaluate();
            values[i] = saved - Step;
            double minus = evaluate();
            values[i] = saved;
            double numeric = (plus - minus) / (2 * Step);
            double diff = Math.Abs(numeric - analytic[i]);
            double bound = AbsoluteTolerance + RelativeTolerance * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])) + 1e-7;
            worst = Math.Max(worst, diff);
            Assert.True(diff <= bound,
                $"{what}[{i}]: analytic {analytic[i]:R}, numeric {numeric:R}, |diff| {diff:E3} > {bound:E3}");
        }
        evaluate();
        Assert.True(worst < 1e-4, $"{what}: max diff {worst:E3}");
    }

    public static Tensor<double> Random(int[] shape, SplitMix rng)
    {
        var t = new Tensor<double>(shape);
        for (int i = 0; i < t.Length; i++) t.Data[i] = rng.NextDouble() * 2 - 1;
        return t;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
