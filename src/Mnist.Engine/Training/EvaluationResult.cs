namespace Mnist.Engine.Training;

/// <summary>How a model did on a labelled dataset. Per-sample arrays are in dataset order.</summary>
public sealed class EvaluationResult
{
    internal EvaluationResult(int[] labels, int[] predictions, float[] confidences, double lossSum, int classes)
    {
        Labels = labels;
        Predictions = predictions;
        Confidences = confidences;
        Count = labels.Length;
        Confusion = new ConfusionMatrix(classes);
        for (int i = 0; i < Count; i++)
        {
            Confusion.Add(labels[i], predictions[i]);
            if (labels[i] == predictions[i]) Correct++;
        }
        Accuracy = Count == 0 ? 0 : (double)Correct / Count;
        MeanLoss = Count == 0 ? 0 : lossSum / Count;
        PerClassCount = new int[classes];
        PerClassAccuracy = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            PerClassCount[c] = Confusion.RowTotal(c);
            PerClassAccuracy[c] = PerClassCount[c] == 0 ? 0 : (double)Confusion[c, c] / PerClassCount[c];
        }
    }

    /// <summary>
    /// Scores predictions made by another runtime (ONNX Runtime for an int8 model the engine cannot run), so every
    /// evaluation is reported the same way.
    /// </summary>
    /// <param name="labels">True class per sample.</param>
    /// <param name="probabilities">[count, classes] probabilities, row-major.</param>
    /// <param name="classes">Number of classes.</param>
    public static EvaluationResult FromProbabilities(int[] labels, ReadOnlySpan<float> probabilities, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (probabilities.Length != labels.Length * classes)
            throw new ArgumentException($"expected {labels.Length * classes} probabilities, got {probabilities.Length}.", nameof(probabilities));
        var predictions = new int[labels.Length];
        var confidences = new float[labels.Length];
        double lossSum = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = probabilities.Slice(i * classes, classes);
            int best = 0;
            for (int j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
            predictions[i] = best;
            confidences[i] = row[best];
            // Cross-entropy from probabilities; the floor keeps a zero probability from making the mean infinite.
            lossSum -= Math.Log(Math.Max(row[labels[i]], 1e-12f));
        }
        return new EvaluationResult(labels, predictions, confidences, lossSum, classes);
    }

    /// <summary>Samples evaluated.</summary>
    public int Count { get; }

    /// <summary>Samples predicted correctly (top-1).</summary>
    public int Correct { get; }

    /// <summary>Correct / Count, in [0,1].</summary>
    public double Accuracy { get; }

    /// <summary>Mean cross-entropy (no label smoothing) over all samples.</summary>
    public double MeanLoss { get; }

    /// <summary>Accuracy within each true class (0 for a class without samples; see <see cref="PerClassCount"/>).</summary>
    public double[] PerClassAccuracy { get; }

    /// <summary>Samples of each true class.</summary>
    public int[] PerClassCount { get; }

    /// <summary>Row = label, column = prediction.</summary>
    public ConfusionMatrix Confusion { get; }

    /// <summary>The label of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>The predicted class of each sample.</summary>
    public int[] Predictions { get; }

    /// <summary>The softmax probability of the predicted class of each sample.</summary>
    public float[] Confidences { get; }

    /// <summary>Dataset indices of the misclassified samples, in order.</summary>
    public IEnumerable<int> Misclassified()
    {
        for (int i = 0; i < Count; i++)
            if (Labels[i] != Predictions[i]) yield return i;
    }
}
