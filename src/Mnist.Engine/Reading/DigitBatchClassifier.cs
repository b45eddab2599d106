namespace Mnist.Engine.Reading;

/// <summary>
/// A model as the number reader needs it: <paramref name="count"/> MNIST-framed images in, softmax probabilities out.
/// </summary>
/// <param name="pixels">[count, 784]: 28×28 row-major, values in [0, 1], white ink on black, as
/// <see cref="Preprocessing.DigitPreprocessor"/> produces them.</param>
/// <param name="count">Number of images, ≥ 1.</param>
/// <param name="probabilities">Receives [count, 10] probabilities.</param>
public delegate void DigitBatchClassifier(ReadOnlySpan<float> pixels, int count, Span<float> probabilities);
