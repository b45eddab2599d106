using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Layers;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>How often one kind of non-digit was accepted as a confident digit.</summary>
/// <param name="Name">Category (e.g. "star") or source (e.g. "fashion-mnist test").</param>
/// <param name="Count">Inputs that reached the model (preprocessing found ink).</param>
/// <param name="ReadAs">Of them, how many were answered with each digit confidently (<see cref="PredictionQuality.Assess"/>;
/// index = digit): which digit a shape passes for says which digit's strokes it is built of.</param>
public sealed record NonDigitAcceptance(string Name, int Count, IReadOnlyList<int> ReadAs)
{
    /// <summary>Of <see cref="Count"/>, those answered with a confident digit.</summary>
    public int Accepted => ReadAs.Sum();

    /// <summary>Accepted / Count: the share of this non-digit that a user would see read as a digit.</summary>
    public double AcceptedRate => Count == 0 ? 0 : (double)Accepted / Count;

    /// <summary>The digits it was read as, most often first, with their counts (digits never read as left out).</summary>
    public IEnumerable<(int Digit, int Count)> MostReadAs =>
        ReadAs.Select((n, d) => (Digit: d, Count: n)).Where(x => x.Count > 0).OrderByDescending(x => x.Count).ThenBy(x => x.Digit);
}

/// <summary>
/// Measures how a model answers input that is not a digit: drawings of the held-out categories of
/// <see cref="NonDigitShapes"/> (never trained on), rendered through <see cref="DigitPreprocessor.FromStrokes"/> like
/// drawn digits, and images of other objects through <see cref="DigitPreprocessor.FromGray"/> like uploads. The figure
/// is the share answered with a <em>confident</em> digit — what the product shows as a reading rather than "not sure".
/// </summary>
public static class NonDigitEvaluation
{
    /// <summary>The seed of the measurement drawings: fixed, so every model is measured on the same drawings.</summary>
    public const ulong MeasurementSeed = 20_261_202;

    /// <summary>The held-out drawings: <paramref name="perCategory"/> of each held-out category, with the default stroke augmentation.</summary>
    public static IReadOnlyList<(string Category, StrokePoint[][] Strokes)> HeldOutDrawings(int perCategory) =>
        Drawings(NonDigitShapes.HeldOut, perCategory);

    /// <summary>
    /// <paramref name="perCategory"/> measurement drawings of each of <paramref name="categories"/> (held-out or trainable),
    /// with the default stroke augmentation. A category's drawings are the same whatever list it is in, so a trainable
    /// category left out of a run's training is measured on the same drawings for every run.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown category.</exception>
    public static IReadOnlyList<(string Category, StrokePoint[][] Strokes)> Drawings(IReadOnlyList<string> categories, int perCategory)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentOutOfRangeException.ThrowIfLessThan(perCategory, 1);
        var augmenter = new StrokeAugmenter(StrokeAugmentationOptions.Default, MeasurementSeed);
        var drawings = new List<(string, StrokePoint[][])>();
        foreach (string category in categories)
        {
            int c = NonDigitShapes.Key(category); // refuses an unknown category
            for (int i = 0; i < perCategory; i++)
            {
                var rng = new StreamRandom(MeasurementSeed, NonDigitTrainingSet.Domain, (ulong)c, (ulong)i);
                var strokes = NonDigitShapes.Draw(category, ref rng);
                drawings.Add((category, augmenter.Augment(strokes, c, i).Strokes));
            }
        }
        return drawings;
    }

    /// <summary>Acceptance per held-out category (<paramref name="perCategory"/> drawings each), then "all shapes".</summary>
    /// <remarks><paramref name="categories"/> (default: the held-out family) may name trainable categories, to measure
    /// those a run left out of its training.</remarks>
    public static IReadOnlyList<NonDigitAcceptance> EvaluateShapes(Sequential<float> model, int perCategory = 200, IReadOnlyList<string>? categories = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var drawings = Drawings(categories ?? NonDigitShapes.HeldOut, perCategory);
        var images = Render(drawings.Count, i => DigitPreprocessor.FromStrokes(drawings[i].Strokes));
        var digits = ConfidentDigits(model, images);
        var result = new List<NonDigitAcceptance>();
        foreach (var group in drawings.Select((d, i) => (d.Category, i)).GroupBy(x => x.Category))
            result.Add(Acceptance(group.Key, images, digits, group.Select(x => x.i)));
        result.Add(Acceptance("all shapes", images, digits, Enumerable.Range(0, images.Length)));
        return result;
    }

    /// <summary>Acceptance of the images of <paramref name="objects"/> (e.g. Fashion-MNIST's test split), each preprocessed as an upload.</summary>
    public static NonDigitAcceptance EvaluateImages(Sequential<float> model, MnistDataset objects, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(objects);
        var images = Render(objects.Count, i => DigitPreprocessor.FromGray(objects.Image(i), objects.Cols, objects.Rows));
        return Acceptance(name, images, ConfidentDigits(model, images), Enumerable.Range(0, images.Length));
    }

    /// <summary>The acceptance of the inputs <paramref name="members"/>: those with ink counted, their confident digits tallied.</summary>
    private static NonDigitAcceptance Acceptance(string name, float[][] images, int[] confidentDigits, IEnumerable<int> members)
    {
        var readAs = new int[MnistDataset.ClassCount];
        int count = 0;
        foreach (int i in members)
        {
            if (images[i].Length == 0) continue;
            count++;
            if (confidentDigits[i] >= 0) readAs[confidentDigits[i]]++;
        }
        return new NonDigitAcceptance(name, count, readAs);
    }

    /// <summary>The digit the model answers each 784-pixel image with when it is confident, else −1 (also for empty
    /// arrays, which are skipped).</summary>
    internal static int[] ConfidentDigits(Sequential<float> model, float[][] images, int batchSize = 500)
    {
        int classes = model.OutputItemShape[^1];
        if (classes != MnistDataset.ClassCount)
            throw new ArgumentException($"The model has {classes} outputs; a digit classifier has {MnistDataset.ClassCount}.", nameof(model));
        var probabilities = Probabilities(model, images, batchSize);
        var digits = new int[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            if (images[i].Length == 0) { digits[i] = -1; continue; }
            var a = PredictionQuality.Assess(probabilities.AsSpan(i * classes, classes));
            digits[i] = a.IsConfident ? a.Digit : -1;
        }
        return digits;
    }

    /// <summary>Preprocesses inputs 0..<paramref name="count"/>−1 in parallel: each one's 784 pixels, or an empty array where preprocessing found no digit.</summary>
    internal static float[][] Render(int count, Func<int, PreprocessResult> preprocess)
    {
        var images = new float[count][];
        Parallel.For(0, count, i =>
        {
            var r = preprocess(i);
            images[i] = r.IsEmpty ? [] : r.Pixels;
        });
        return images;
    }

    /// <summary>Softmax probabilities [images, classes] of the model (<see cref="Predictions.Predict"/>); rows of empty images are zero.</summary>
    internal static float[] Probabilities(Sequential<float> model, float[][] images, int batchSize = 500)
    {
        int n = DigitPreprocessor.PixelCount, classes = model.OutputItemShape[^1];
        var result = new float[images.Length * classes];
        bool wasTraining = model.Training;
        try
        {
            for (int start = 0; start < images.Length; start += batchSize)
            {
                int count = Math.Min(batchSize, images.Length - start);
                var x = new float[count * n];
                for (int k = 0; k < count; k++)
                    if (images[start + k].Length == n) images[start + k].CopyTo(x, k * n);
                var probabilities = Predictions.Predict(model, new Tensor<float>(x, count, 1, DigitPreprocessor.Size, DigitPreprocessor.Size)).Span;
                for (int k = 0; k < count; k++)
                    if (images[start + k].Length == n)
                        probabilities.Slice(k * classes, classes).CopyTo(result.AsSpan((start + k) * classes, classes));
            }
        }
        finally
        {
            model.Training = wasTraining;
        }
        return result;
    }
}
