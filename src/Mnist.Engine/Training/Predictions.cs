using Mnist.Engine.Kernels;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>Inference helpers for a trained <see cref="Sequential{T}"/>.</summary>
public static class Predictions
{
    /// <summary>Softmax probabilities [N,classes] for x, in inference mode.</summary>
    public static Tensor<float> Predict(Sequential<float> model, Tensor<float> x)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Training = false;
        var logits = model.Forward(x);
        var probs = new Tensor<float>(logits.Shape);
        Softmax.SoftmaxRows<float>(logits.Span, probs.Span, logits.Dim(0), logits.Dim(1));
        return probs;
    }

    /// <summary>Index of the largest value in each row of [N,K].</summary>
    public static int[] ArgMax(Tensor<float> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        int n = scores.Dim(0), k = scores.Dim(1);
        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = scores.Span.Slice(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++) if (row[j] > row[best]) best = j;
            result[i] = best;
        }
        return result;
    }
}
