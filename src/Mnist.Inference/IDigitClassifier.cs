namespace Mnist.Inference;

/// <summary>
/// A digit classifier: MNIST-normalized 28×28 images in, 10 class probabilities out. Implementations are safe for
/// concurrent callers (the server calls them from its micro-batcher and request threads at once).
/// </summary>
public interface IDigitClassifier : IDisposable
{
    /// <summary>What model is loaded (name, I/O names, whether it emits probabilities, file hash, model card).</summary>
    ModelInfo Model { get; }

    /// <summary>
    /// Classifies <paramref name="count"/> images in one call.
    /// </summary>
    /// <param name="pixels">[count, 784]: 28×28 row-major, values in [0, 1], white ink (1) on black (0), as
    /// <see cref="Mnist.Engine.Preprocessing.DigitPreprocessor"/> produces them.</param>
    /// <param name="count">Number of images, ≥ 0.</param>
    /// <param name="probabilities">Receives [count, 10] softmax probabilities (each row sums to 1 within rounding),
    /// whether the model itself ends in a softmax or emits logits.</param>
    /// <exception cref="ArgumentException">Negative count, or spans shorter than count·784 / count·10.</exception>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    void ClassifyBatch(ReadOnlySpan<float> pixels, int count, Span<float> probabilities);

    /// <summary>Classifies one image (784 values, as in <see cref="ClassifyBatch"/>).</summary>
    /// <exception cref="ArgumentException">Not exactly 784 values.</exception>
    DigitPrediction Classify(float[] pixels784);
}
