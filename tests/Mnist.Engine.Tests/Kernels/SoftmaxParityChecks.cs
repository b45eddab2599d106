using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary><see cref="Softmax"/> (float SIMD) against <see cref="ReferenceSoftmax"/> on classifier-shaped and odd matrices.</summary>
internal static class SoftmaxParityChecks
{
    private static readonly (int Rows, int Cols)[] s_shapes = [(1, 10), (7, 10), (33, 17), (64, 10), (3, 257), (5, 1), (2, 3079)];

    private static float[] Logits(int rows, int cols, int seed)
    {
        float[] x = TestData.Floats(rows * cols, seed, -8f, 8f);
        // Large logits in the first row: only the max-subtraction keeps e^x finite.
        for (int c = 0; c < cols; c++)
            x[c] += 500f;
        return x;
    }

    [ParityCheck]
    public static void SoftmaxRows()
    {
        foreach (var (rows, cols) in s_shapes)
        {
            float[] x = Logits(rows, cols, rows * 31 + cols);
            float[] expected = new float[x.Length], actual = new float[x.Length];
            ReferenceSoftmax.SoftmaxRows<float>(x, expected, rows, cols);
            Softmax.SoftmaxRows<float>(x, actual, rows, cols);
            Tolerance.Float32.Transcendental.AssertClose<float>(expected, actual, $"softmax {rows}x{cols}");
            // In place.
            Softmax.SoftmaxRows<float>(x, x, rows, cols);
            Tolerance.Float32.Transcendental.AssertClose<float>(expected, x, $"softmax in place {rows}x{cols}");
        }
        float[] withNaN = [1f, float.NaN, 2f, 0.5f, 1f, 2f];
        float[] nanExpected = new float[6], nanActual = new float[6];
        ReferenceSoftmax.SoftmaxRows<float>(withNaN, nanExpected, 2, 3);
        Softmax.SoftmaxRows<float>(withNaN, nanActual, 2, 3);
        Tolerance.Float32.Transcendental.AssertClose<float>(nanExpected, nanActual, "softmax with a NaN row");
    }

    [ParityCheck]
    public static void SoftmaxCrossEntropy()
    {
        foreach (var (rows, cols) in s_shapes)
            foreach (double smoothing in new[] { 0.0, 0.1 })
            {
                float[] x = Logits(rows, cols, rows * 37 + cols);
                int[] labels = new int[rows];
                var random = new Random(rows + cols);
                for (int r = 0; r < rows; r++)
                    labels[r] = random.Next(cols);
                float[] expectedProbs = new float[x.Length], actualProbs = new float[x.Length];
                float[] expectedGrad = new float[x.Length], actualGrad = new float[x.Length];
                double expectedLoss = ReferenceSoftmax.SoftmaxCrossEntropy<float>(x, labels, rows, cols, smoothing, expectedProbs, expectedGrad);
                double actualLoss = Softmax.SoftmaxCrossEntropy<float>(x, labels, rows, cols, smoothing, actualProbs, actualGrad);
                string label = $"{rows}x{cols} ε={smoothing}";
                Tolerance.Float32.Transcendental.AssertClose(expectedLoss, actualLoss, $"cross-entropy loss {label}");
                Tolerance.Float32.Transcendental.AssertClose<float>(expectedProbs, actualProbs, $"cross-entropy probs {label}");
                Tolerance.Float32.Transcendental.AssertClose<float>(expectedGrad, actualGrad, $"cross-entropy dLogits {label}");
            }
    }
}
