using Mnist.Engine.Data;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>Scores a model on a labelled dataset: accuracy, per-class accuracy, confusion matrix, mean loss.</summary>
public static class Evaluation
{
    /// <summary>
    /// Runs <paramref name="model"/> in inference mode over every sample of <paramref name="data"/> (pixels/255,
    /// dataset order) and compares the arg-max with the labels. The model's training flag is restored afterwards.
    /// </summary>
    public static EvaluationResult Evaluate(Sequential<float> model, MnistDataset data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int classes = model.OutputItemShape[^1];
        var labels = new int[data.Count];
        var predictions = new int[data.Count];
        var confidences = new float[data.Count];
        var loss = new SoftmaxCrossEntropyLoss<float>();
        double lossSum = 0;
        bool wasTraining = model.Training;
        model.Training = false;
        try
        {
            foreach (var batch in BatchLoader.ForEvaluation(data, batchSize).Epoch(0))
            {
                var x = new Tensor<float>(batch.ImageSpan.ToArray(), batch.Count, 1, data.Rows, data.Cols);
                var logits = model.Forward(x);
                lossSum += loss.Forward(logits, batch.LabelSpan) * batch.Count;
                var probs = loss.Probabilities.Span;
                for (int k = 0; k < batch.Count; k++)
                {
                    var row = probs.Slice(k * classes, classes);
                    int best = 0;
                    for (int j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
                    int index = batch.Indices[k];
                    labels[index] = batch.Labels[k];
                    predictions[index] = best;
                    confidences[index] = row[best];
                }
            }
        }
        finally
        {
            model.Training = wasTraining;
        }
        return new EvaluationResult(labels, predictions, confidences, lossSum, classes);
    }
}
