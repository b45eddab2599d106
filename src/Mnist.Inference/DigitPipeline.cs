using System.Buffers;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;

namespace Mnist.Inference;

/// <summary>
/// The one path from input to answer, for the server, the CLI and apps: input (pen strokes, 28×28 pixels, or an
/// encoded image through Mnist.Imaging's <c>ImageRecognition</c> extensions) →
/// MNIST-style preprocessing → classifier → <see cref="Recognition"/>. Inputs with no digit are reported with the
/// preprocessing's reason and never sent to the model. Apps on Mnist.Client get it behind the SDK's
/// <c>IDigitRecognizer</c>: its <c>OnDeviceDigitRecognizer</c> runs this pipeline.
/// </summary>
/// <remarks>
/// Thread-safe: preprocessing is stateless and the classifier is thread-safe. For micro-batching, preprocess each
/// request on its own thread (<see cref="PreprocessStrokes(IReadOnlyList{IReadOnlyList{StrokePoint}}, float, float)"/>,
/// <see cref="PreprocessPixels"/>; their exceptions are that request's client error) and classify the collected
/// results with one <see cref="ClassifyBatch"/> call. Preprocessing needs no model, so a server that swaps models
/// while requests are in flight prepares them with the static
/// <see cref="PreprocessStrokes(IReadOnlyList{IReadOnlyList{StrokePoint}}, float, float, DigitPipelineOptions)"/> and
/// classifies each batch with whichever pipeline is current by then.
/// </remarks>
public sealed class DigitPipeline : IDisposable
{
    private const int Pixels = ClassifierMath.Pixels;
    private const int Classes = ClassifierMath.Classes;

    private readonly bool _ownsClassifier;

    /// <summary>Creates a pipeline over <paramref name="classifier"/>.</summary>
    /// <param name="classifier">The model.</param>
    /// <param name="options">Settings; null for <see cref="DigitPipelineOptions.Default"/>.</param>
    /// <param name="ownsClassifier">Dispose the classifier with the pipeline.</param>
    public DigitPipeline(IDigitClassifier classifier, DigitPipelineOptions? options = null, bool ownsClassifier = true)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        Classifier = classifier;
        Options = options ?? DigitPipelineOptions.Default;
        _ownsClassifier = ownsClassifier;
    }

    /// <summary>The classifier.</summary>
    public IDigitClassifier Classifier { get; }

    /// <summary>The loaded model.</summary>
    public ModelInfo Model => Classifier.Model;

    /// <summary>The settings.</summary>
    public DigitPipelineOptions Options { get; }

    /// <summary>Rasterizes and preprocesses pen strokes.</summary>
    /// <param name="strokes">Strokes, each a list of points in drawing order (y grows downwards).</param>
    /// <param name="canvasWidth">Width of the drawing surface when known (enables the "too small" check), else 0.</param>
    /// <param name="canvasHeight">Height of the drawing surface when known, else 0.</param>
    /// <exception cref="ArgumentException">Null or non-finite points, too many strokes or points.</exception>
    public PreprocessResult PreprocessStrokes(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, float canvasWidth = 0f, float canvasHeight = 0f) =>
        PreprocessStrokes(strokes, canvasWidth, canvasHeight, Options);

    /// <summary>Rasterizes and preprocesses pen strokes as a pipeline built with <paramref name="options"/> does,
    /// without one: for callers that classify later, with a pipeline chosen after preprocessing.</summary>
    /// <param name="strokes">Strokes, each a list of points in drawing order (y grows downwards).</param>
    /// <param name="canvasWidth">Width of the drawing surface when known (enables the "too small" check), else 0.</param>
    /// <param name="canvasHeight">Height of the drawing surface when known, else 0.</param>
    /// <param name="options">The settings of the pipeline that will classify the result.</param>
    /// <exception cref="ArgumentException">Null or non-finite points, too many strokes or points.</exception>
    public static PreprocessResult PreprocessStrokes(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, float canvasWidth, float canvasHeight, DigitPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return DigitPreprocessor.FromStrokes(strokes, canvasWidth, canvasHeight, options.Preprocess);
    }

    /// <summary>Wraps 784 pixels that are already MNIST-style (28×28, 0–255, white on black).</summary>
    /// <exception cref="ArgumentException">Not exactly 784 values.</exception>
    public static PreprocessResult PreprocessPixels(ReadOnlySpan<byte> pixels784) => DigitPreprocessor.FromMnistPixels(pixels784);

    /// <summary>Recognizes a digit drawn as pen strokes.</summary>
    /// <exception cref="ArgumentException">Invalid strokes (see <see cref="PreprocessStrokes(IReadOnlyList{IReadOnlyList{StrokePoint}}, float, float)"/>).</exception>
    public Recognition RecognizeStrokes(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, float canvasWidth = 0f, float canvasHeight = 0f) =>
        Classify(PreprocessStrokes(strokes, canvasWidth, canvasHeight));

    /// <summary>Recognizes an already MNIST-style 28×28 image (784 bytes, 0–255, white on black).</summary>
    /// <exception cref="ArgumentException">Not exactly 784 values.</exception>
    public Recognition RecognizePixels(ReadOnlySpan<byte> pixels784) => Classify(PreprocessPixels(pixels784));

    /// <summary>Recognizes several stroke drawings with one model call.</summary>
    /// <exception cref="ArgumentException">Invalid strokes in some item.</exception>
    public Recognition[] RecognizeStrokesBatch(IReadOnlyList<IReadOnlyList<IReadOnlyList<StrokePoint>>> drawings)
    {
        ArgumentNullException.ThrowIfNull(drawings);
        var items = new PreprocessResult[drawings.Count];
        for (int i = 0; i < items.Length; i++) items[i] = PreprocessStrokes(drawings[i]);
        return ClassifyBatch(items);
    }

    /// <summary>Recognizes several 28×28 images (each 784 bytes) with one model call.</summary>
    /// <exception cref="ArgumentException">An item is not exactly 784 values.</exception>
    public Recognition[] RecognizePixelsBatch(IReadOnlyList<ReadOnlyMemory<byte>> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var items = new PreprocessResult[images.Count];
        for (int i = 0; i < items.Length; i++) items[i] = PreprocessPixels(images[i].Span);
        return ClassifyBatch(items);
    }

    /// <summary>Reads a whole number written as pen strokes (<see cref="NumberReader.FromStrokes"/>).</summary>
    /// <param name="strokes">Strokes, each a list of points in drawing order (y grows downwards).</param>
    /// <param name="canvasWidth">Width of the drawing surface when known (enables the "too small" check), else 0.</param>
    /// <param name="canvasHeight">Height of the drawing surface when known, else 0.</param>
    /// <exception cref="ArgumentException">Invalid strokes (see <see cref="PreprocessStrokes(IReadOnlyList{IReadOnlyList{StrokePoint}}, float, float)"/>), or more than
    /// <see cref="NumberReader.MaxPieces"/> strokes with ink.</exception>
    public NumberReading ReadStrokes(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, float canvasWidth = 0f, float canvasHeight = 0f) =>
        NumberReader.FromStrokes(strokes, Classifier.ClassifyBatch, canvasWidth, canvasHeight, preprocess: Options.Preprocess);

    /// <summary>Reads a whole number in 28×28 pixels (784 bytes, 0–255), taken as a gray image
    /// (<see cref="NumberReader.FromGray"/>): dark-on-light or light-on-dark, several digits side by side.</summary>
    /// <exception cref="ArgumentException">Not exactly 784 values, or more than <see cref="NumberReader.MaxPieces"/>
    /// pieces of ink.</exception>
    public NumberReading ReadPixels(ReadOnlySpan<byte> pixels784)
    {
        if (pixels784.Length != Pixels)
            throw new ArgumentException($"Expected {Pixels} pixels (28×28); got {pixels784.Length}.", nameof(pixels784));
        return NumberReader.FromGray(pixels784, 28, 28, Classifier.ClassifyBatch, preprocess: Options.Preprocess);
    }

    /// <summary>Classifies one preprocessed input (no model call when it holds no digit).</summary>
    public Recognition Classify(PreprocessResult preprocessed)
    {
        ArgumentNullException.ThrowIfNull(preprocessed);
        if (preprocessed.IsEmpty) return Empty(preprocessed);
        Span<float> probs = stackalloc float[Classes];
        Classifier.ClassifyBatch(preprocessed.Pixels, 1, probs);
        return FromProbabilities(preprocessed, probs);
    }

    /// <summary>Classifies preprocessed inputs with one model call for all those that hold a digit; the result has
    /// one entry per input, in order.</summary>
    public Recognition[] ClassifyBatch(IReadOnlyList<PreprocessResult> preprocessed)
    {
        ArgumentNullException.ThrowIfNull(preprocessed);
        var results = new Recognition[preprocessed.Count];
        int n = 0;
        // Indexed loops: foreach over the interface would box the list's enumerator on every batch of a server.
        for (int i = 0; i < results.Length; i++)
        {
            PreprocessResult p = preprocessed[i];
            ArgumentNullException.ThrowIfNull(p, nameof(preprocessed));
            if (!p.IsEmpty) n++;
        }
        float[] x = ArrayPool<float>.Shared.Rent(Math.Max(1, n * Pixels));
        float[] y = ArrayPool<float>.Shared.Rent(Math.Max(1, n * Classes));
        try
        {
            int k = 0;
            for (int i = 0; i < results.Length; i++)
            {
                PreprocessResult p = preprocessed[i];
                if (!p.IsEmpty) p.Pixels.CopyTo(x.AsSpan(k++ * Pixels, Pixels));
            }
            Classifier.ClassifyBatch(x.AsSpan(0, n * Pixels), n, y.AsSpan(0, n * Classes));
            k = 0;
            for (int i = 0; i < results.Length; i++)
            {
                PreprocessResult p = preprocessed[i];
                results[i] = p.IsEmpty ? Empty(p) : FromProbabilities(p, y.AsSpan(k++ * Classes, Classes));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(x);
            ArrayPool<float>.Shared.Return(y);
        }
        return results;
    }

    /// <summary>Disposes the classifier when the pipeline owns it.</summary>
    public void Dispose()
    {
        if (_ownsClassifier) Classifier.Dispose();
    }

    private Recognition Empty(PreprocessResult p) => new()
    {
        Probabilities = new float[Classes],
        NoDigitReason = p.Reason,
        NoDigitMessage = p.EmptyReason,
        Pixels = Options.IncludePixels ? p.Pixels : null,
    };

    private Recognition FromProbabilities(PreprocessResult p, ReadOnlySpan<float> probs)
    {
        DigitPrediction d = DigitPrediction.FromProbabilities(probs);
        return new Recognition
        {
            Digit = d.Digit,
            Confidence = d.Confidence,
            Probabilities = d.Probabilities,
            IsConfident = d.IsConfident,
            Pixels = Options.IncludePixels ? p.Pixels : null,
        };
    }
}
