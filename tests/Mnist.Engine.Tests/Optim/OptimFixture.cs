using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Optim;

/// <summary>
/// A three-scalar model for hand-checkable optimizer steps: "w" = [1, −2] (decayed) and "b" = [0.5] (not decayed),
/// with fixed gradients per step, plus the textbook update rules written out per scalar as the oracle.
/// </summary>
internal static class OptimFixture
{
    public static readonly double[] Initial = [1.0, -2.0, 0.5];
    public static readonly bool[] Decayed = [true, true, false];

    public static readonly double[][] Grads =
    [
        [0.5, -0.3, 0.2],
        [0.4, 0.1, -0.2],
        [-0.2, 0.3, 0.25],
    ];

    public const double Tolerance = 1e-12;

    public static ParameterSet<double> Create()
    {
        var w = new Parameter<double>("w", 2);
        var b = new Parameter<double>("b", 1) { DecayWeights = false };
        var set = new ParameterSet<double>([w, b]);
        Initial.CopyTo(set.Values, 0);
        return set;
    }

    /// <summary>Runs one step per entry of <see cref="Grads"/> and returns the values after each step.</summary>
    public static double[][] Run(Optimizer<double> optimizer)
    {
        var trace = new double[Grads.Length][];
        for (int t = 0; t < Grads.Length; t++)
        {
            optimizer.ZeroGrad();
            Grads[t].CopyTo(optimizer.Parameters.Grads, 0);
            optimizer.Step();
            trace[t] = (double[])optimizer.Parameters.Values.Clone();
        }
        return trace;
    }

    public static void AssertClose(double[] expected, double[] actual, double tolerance = Tolerance, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = tolerance * (1 + Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound,
                $"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}, diff {Math.Abs(expected[i] - actual[i]):E2}");
        }
    }

    public static void AssertTrace(double[][] expected, double[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int t = 0; t < expected.Length; t++) AssertClose(expected[t], actual[t], what: $"step {t + 1}");
    }

    // ---- textbook oracles, one scalar at a time ----

    public static double[][] SgdReference(double lr, double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0)
    {
        var w = (double[])Initial.Clone();
        var buf = new double[3];
        var trace = new double[Grads.Length][];
        for (int t = 0; t < Grads.Length; t++)
        {
            for (int i = 0; i < 3; i++)
            {
                double g = Grads[t][i] + (Decayed[i] ? weightDecay * w[i] : 0);
                if (momentum != 0)
                {
                    buf[i] = t == 0 ? g : momentum * buf[i] + (1 - dampening) * g;
                    g = nesterov ? g + momentum * buf[i] : buf[i];
                }
                w[i] -= lr * g;
            }
            trace[t] = (double[])w.Clone();
        }
        return trace;
    }

    public static double[][] AdamReference(double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled)
    {
        var w = (double[])Initial.Clone();
        var m = new double[3];
        var v = new double[3];
        var trace = new double[Grads.Length][];
        for (int t = 0; t < Grads.Length; t++)
        {
            int step = t + 1;
            for (int i = 0; i < 3; i++)
            {
                double g = Grads[t][i];
                if (Decayed[i] && decoupled) w[i] *= 1 - lr * weightDecay;
                if (Decayed[i] && !decoupled) g += weightDecay * w[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(beta1, step));
                double vHat = v[i] / (1 - Math.Pow(beta2, step));
                w[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            trace[t] = (double[])w.Clone();
        }
        return trace;
    }

    public static double[][] RmsPropReference(RmsPropSemantics kind, double lr, double rho, double eps,
        double momentum = 0, bool centered = false, double weightDecay = 0)
    {
        var w = (double[])Initial.Clone();
        var v = new double[3];
        var buf = new double[3];
        var avg = new double[3];
        var trace = new double[Grads.Length][];
        for (int t = 0; t < Grads.Length; t++)
        {
            for (int i = 0; i < 3; i++)
            {
                double g = Grads[t][i];
                if (kind == RmsPropSemantics.Keras && Decayed[i]) w[i] -= lr * weightDecay * w[i];
                if (kind == RmsPropSemantics.PyTorch && Decayed[i]) g += weightDecay * w[i];
                v[i] = rho * v[i] + (1 - rho) * g * g;
                avg[i] = rho * avg[i] + (1 - rho) * g;
                double d = centered ? v[i] - avg[i] * avg[i] : v[i];
                bool epsInside = kind == RmsPropSemantics.Keras || (kind == RmsPropSemantics.TfKerasLegacy && momentum > 0);
                if (epsInside)
                {
                    double delta = lr * g / Math.Sqrt(d + eps);
                    if (momentum > 0) { buf[i] = momentum * buf[i] + delta; w[i] -= buf[i]; }
                    else w[i] -= delta;
                }
                else if (kind == RmsPropSemantics.TfKerasLegacy)
                {
                    w[i] -= lr * g / (Math.Sqrt(d) + eps);
                }
                else
                {
                    double q = g / (Math.Sqrt(d) + eps);
                    if (momentum > 0) { buf[i] = momentum * buf[i] + q; w[i] -= lr * buf[i]; }
                    else w[i] -= lr * q;
                }
            }
            trace[t] = (double[])w.Clone();
        }
        return trace;
    }
}
