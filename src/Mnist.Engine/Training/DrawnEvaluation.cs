using Mnist.Engine.Data;
using Mnist.Engine.Layers;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>One writer's share of a <see cref="DrawnEvaluationResult"/>.</summary>
/// <param name="Writer">The writer's number.</param>
/// <param name="Count">Digits of that writer.</param>
/// <param name="Correct">Of them read correctly.</param>
public sealed record WriterAccuracy(int Writer, int Count, int Correct)
{
    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}

/// <summary>How a model reads drawn digits: overall, per class, per writer, with the confusion matrix.</summary>
public sealed class DrawnEvaluationResult
{
    internal DrawnEvaluationResult(DrawnDigitSet digits, int[] predictions, bool[] confident, int classes)
    {
        Digits = digits;
        Predictions = predictions;
        for (int i = 0; i < predictions.Length; i++)
        {
            if (!confident[i]) continue;
            Accepted++;
            if (predictions[i] != digits.Samples[i].Label) AcceptedWrong++;
        }
        Confusion = new ConfusionMatrix(classes);
        var perWriter = new SortedDictionary<int, (int Count, int Correct)>();
        for (int i = 0; i < predictions.Length; i++)
        {
            var d = digits.Samples[i];
            bool right = predictions[i] == d.Label;
            if (predictions[i] >= 0) Confusion.Add(d.Label, predictions[i]);
            else NoDigit++;
            if (right) Correct++;
            perWriter.TryGetValue(d.Writer, out var w);
            perWriter[d.Writer] = (w.Count + 1, w.Correct + (right ? 1 : 0));
        }
        PerWriter = perWriter.Select(kv => new WriterAccuracy(kv.Key, kv.Value.Count, kv.Value.Correct)).ToArray();
        PerClassCount = new int[classes];
        PerClassAccuracy = new double[classes];
        var classCorrect = new int[classes];
        for (int i = 0; i < predictions.Length; i++)
        {
            int label = digits.Samples[i].Label;
            if (label >= classes) continue;
            PerClassCount[label]++;
            if (predictions[i] == label) classCorrect[label]++;
        }
        for (int c = 0; c < classes; c++) PerClassAccuracy[c] = PerClassCount[c] == 0 ? 0 : (double)classCorrect[c] / PerClassCount[c];
    }

    /// <summary>The digits evaluated.</summary>
    public DrawnDigitSet Digits { get; }

    /// <summary>The predicted class of each digit, −1 where preprocessing found no digit (counted as wrong).</summary>
    public int[] Predictions { get; }

    /// <summary>Digits evaluated.</summary>
    public int Count => Predictions.Length;

    /// <summary>Digits read correctly.</summary>
    public int Correct { get; }

    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>Digits answered with a confident digit (<see cref="PredictionQuality.Assess"/>): what a user sees as a reading.</summary>
    public int Accepted { get; }

    /// <summary>Of the accepted digits, those read wrong.</summary>
    public int AcceptedWrong { get; }

    /// <summary>Accepted / Count.</summary>
    public double AcceptedRate => Count == 0 ? 0 : (double)Accepted / Count;

    /// <summary>AcceptedWrong / Accepted: how often a confident answer is wrong.</summary>
    public double WrongAmongAccepted => Accepted == 0 ? 0 : (double)AcceptedWrong / Accepted;

    /// <summary>Digits in which preprocessing found no digit (not in <see cref="Confusion"/>).</summary>
    public int NoDigit { get; }

    /// <summary>Row = label, column = prediction.</summary>
    public ConfusionMatrix Confusion { get; }

    /// <summary>Accuracy within each true class.</summary>
    public double[] PerClassAccuracy { get; }

    /// <summary>Digits of each true class.</summary>
    public int[] PerClassCount { get; }

    /// <summary>Accuracy of each writer, by writer number.</summary>
    public IReadOnlyList<WriterAccuracy> PerWriter { get; }

    /// <summary>The writer read least accurately (the lowest number among ties), or null without digits.</summary>
    public WriterAccuracy? WorstWriter => PerWriter.Count == 0 ? null : PerWriter.MinBy(w => w.Accuracy);
}

/// <summary>
/// Scores a model on drawn digits: each is rendered by <see cref="DigitPreprocessor.FromStrokes"/> with the default
/// options (exactly what the server and the web app do with strokes) and classified by the model.
/// </summary>
public static class DrawnEvaluation
{
    /// <summary>Renders and classifies every digit of <paramref name="digits"/>.</summary>
    public static DrawnEvaluationResult Evaluate(Sequential<float> model, DrawnDigitSet digits, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int n = DigitPreprocessor.PixelCount, classes = model.OutputItemShape[^1];
        var images = NonDigitEvaluation.Render(digits.Count, i => DigitPreprocessor.FromStrokes(digits.Samples[i].StrokeList));
        var probabilities = NonDigitEvaluation.Probabilities(model, images, batchSize);
        var predictions = new int[digits.Count];
        var confident = new bool[digits.Count];
        for (int i = 0; i < digits.Count; i++)
        {
            if (images[i].Length != n)
            {
                predictions[i] = -1;
                continue;
            }
            var a = PredictionQuality.Assess(probabilities.AsSpan(i * classes, classes));
            predictions[i] = a.Digit;
            confident[i] = a.IsConfident;
        }
        return new DrawnEvaluationResult(digits, predictions, confident, classes);
    }
}
