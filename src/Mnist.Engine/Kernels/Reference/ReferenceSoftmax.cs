using System.Numerics;

namespace Mnist.Engine.Kernels.Reference;

/// <summary>
/// Naive scalar versions of <see cref="Softmax"/> (test oracle, benchmark baseline, the <c>double</c> path).
/// Arguments are assumed valid.
/// </summary>
public static class ReferenceSoftmax
{
    /// <summary>probs[r,c] = e^(x[r,c] - max_r) / Σ_c' e^(x[r,c'] - max_r).</summary>
    public static void SoftmaxRows<T>(ReadOnlySpan<T> logits, Span<T> probs, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            T max = logits[r * cols];
            for (int c = 1; c < cols; c++)
                max = T.Max(max, logits[r * cols + c]);
            T sum = T.Zero;
            for (int c = 0; c < cols; c++)
                sum += T.Exp(logits[r * cols + c] - max);
            for (int c = 0; c < cols; c++)
                probs[r * cols + c] = T.Exp(logits[r * cols + c] - max) / sum;
        }
    }

    /// <summary>Mean cross-entropy against (1-ε)·onehot + ε/cols, or 1/cols for label -1; see <see cref="Softmax.SoftmaxCrossEntropy{T}"/>.</summary>
    public static double SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int cols, double labelSmoothing,
        Span<T> probs, Span<T> dLogits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SoftmaxRows(logits, probs, rows, cols);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            T max = logits[r * cols];
            for (int c = 1; c < cols; c++)
                max = T.Max(max, logits[r * cols + c]);
            T sum = T.Zero;
            for (int c = 0; c < cols; c++)
                sum += T.Exp(logits[r * cols + c] - max);
            T logSum = T.Log(sum);
            for (int c = 0; c < cols; c++)
            {
                // Label -1 (none of the classes): the uniform target, whatever the smoothing.
                double target = labels[r] < 0 ? 1.0 / cols : (c == labels[r] ? 1 - labelSmoothing : 0) + labelSmoothing / cols;
                // Cells with zero target contribute nothing, even when their log-probability is -∞.
                if (target != 0)
                    total -= target * double.CreateChecked(logits[r * cols + c] - max - logSum);
                dLogits[r * cols + c] = (probs[r * cols + c] - T.CreateChecked(target)) / T.CreateChecked(rows);
            }
        }
        return total / rows;
    }
}
