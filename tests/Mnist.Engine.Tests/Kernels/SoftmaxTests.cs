using Mnist.Engine.Kernels;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// <see cref="Softmax"/> against values computed independently in double (the oracle's oracle), a float64 finite-difference
/// check of dLogits, and argument validation.
/// </summary>
public class SoftmaxTests
{
    [Fact]
    public void SoftmaxRows_matches_closed_form()
    {
        float[] x = [1f, 2f, 3f, 1000f, 1000f, 1000f];
        float[] p = new float[6];
        Softmax.SoftmaxRows<float>(x, p, 2, 3);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Tolerance.Float32.Transcendental.AssertClose<double>(
            [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0], p.Select(v => (double)v).ToArray(), "softmax");
    }

    /// <summary>Label -1 (none of the classes) has the uniform target 1/cols whatever ε (outlier exposure).</summary>
    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.1, 0)]
    [InlineData(0.0, -1)]
    [InlineData(0.1, -1)]
    public void CrossEntropy_matches_PyTorch_definition(double epsilon, int middleLabel)
    {
        const int Rows = 3, Cols = 4;
        double[] x = [0.5, -1.0, 2.0, 0.0, 3.0, 3.0, -2.0, 1.0, -0.5, 0.25, 0.75, -3.0];
        int[] labels = [2, middleLabel, 3];
        double expected = 0;
        for (int r = 0; r < Rows; r++)
        {
            double lse = Math.Log(Enumerable.Range(0, Cols).Sum(c => Math.Exp(x[r * Cols + c])));
            for (int c = 0; c < Cols; c++)
            {
                double target = labels[r] < 0 ? 1.0 / Cols : (c == labels[r] ? 1 - epsilon : 0) + epsilon / Cols;
                expected -= target * (x[r * Cols + c] - lse);
            }
        }
        expected /= Rows;

        double[] probs = new double[12], grad = new double[12];
        Tolerance.Float64.Reduction.AssertClose(expected, Softmax.SoftmaxCrossEntropy<double>(x, labels, Rows, Cols, epsilon, probs, grad), "f64 loss");
        float[] probsF = new float[12], gradF = new float[12];
        double lossF = Softmax.SoftmaxCrossEntropy<float>(x.Select(v => (float)v).ToArray(), labels, Rows, Cols, epsilon, probsF, gradF);
        Tolerance.Float32.Transcendental.AssertClose(expected, lossF, "f32 loss");

        // Central differences of the float64 loss against the analytic dLogits.
        const double H = 1e-6;
        double[] scratchP = new double[12], scratchG = new double[12];
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + H;
            double up = Softmax.SoftmaxCrossEntropy<double>(x, labels, Rows, Cols, epsilon, scratchP, scratchG);
            x[i] = saved - H;
            double down = Softmax.SoftmaxCrossEntropy<double>(x, labels, Rows, Cols, epsilon, scratchP, scratchG);
            x[i] = saved;
            Tolerance.Float64.FiniteDifference.AssertClose((up - down) / (2 * H), grad[i], $"dLogits[{i}]");
            Tolerance.Float32.Transcendental.AssertClose(grad[i], gradF[i], $"f32 dLogits[{i}]");
        }
    }

    [Fact]
    public void Throws_on_bad_arguments()
    {
        float[] x = new float[20], p = new float[20], g = new float[20];
        int[] labels = [0, 9];
        Assert.Throws<ArgumentException>(() => Softmax.SoftmaxRows<float>(x, p.AsSpan(1), 2, 10));
        Assert.Throws<ArgumentException>(() => Softmax.SoftmaxRows<float>(x.AsSpan(1), p, 2, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.SoftmaxRows<float>([], [], 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.SoftmaxCrossEntropy<float>(x, [0, 10], 2, 10, 0, p, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.SoftmaxCrossEntropy<float>(x, [0, -2], 2, 10, 0, p, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.SoftmaxCrossEntropy<float>(x, labels, 2, 10, 1.5, p, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.SoftmaxCrossEntropy<float>(x, labels, 2, 10, double.NaN, p, g));
        Assert.Throws<ArgumentException>(() => Softmax.SoftmaxCrossEntropy<float>(x, [0], 2, 10, 0, p, g));
        Assert.Throws<ArgumentException>(() => Softmax.SoftmaxCrossEntropy<float>(x, labels, 2, 10, 0, p, g.AsSpan(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.SoftmaxCrossEntropy<float>([], [], 0, 10, 0, [], []));
    }
}
