using System.Diagnostics;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;
using Mnist.Inference;

namespace Mnist.Client;

/// <summary>
/// Recognizes digits on the device with ONNX Runtime (whose NuGet package carries the iOS and Android native
/// libraries a MAUI app needs), with no network: Mnist.Inference's <see cref="DigitPipeline"/> over its
/// <see cref="OnnxDigitClassifier"/>, the pipeline and classifier the CLI and the server use, behind the SDK's
/// <see cref="IDigitRecognizer"/>.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="LoadModel(byte[], string?)"/> swaps the model atomically: calls already running finish on
/// the old model, which is released after them; later calls use the new one.
/// </remarks>
public sealed class OnDeviceDigitRecognizer : IDigitRecognizer, IDisposable
{
    private DigitPipeline? _model;

    /// <summary>Creates a recognizer with no model yet (load one with <see cref="LoadModel(string)"/> or <see cref="ModelUpdater"/>).</summary>
    public OnDeviceDigitRecognizer() { }

    /// <summary>Creates a recognizer over a model file.</summary>
    /// <exception cref="MnistClientException">Not a usable model.</exception>
    public OnDeviceDigitRecognizer(string modelPath) => LoadModel(modelPath);

    /// <inheritdoc/>
    public string Mode => "device";

    /// <summary>True once a model is loaded.</summary>
    public bool HasModel => Volatile.Read(ref _model) is not null;

    /// <summary>The loaded model's name (model card architecture, else the file name), or null.</summary>
    public string? ModelName => Volatile.Read(ref _model)?.Model.Name;

    /// <summary>SHA-256 (hex) of the loaded model file, or null.</summary>
    public string? ModelSha256 => Volatile.Read(ref _model)?.Model.Sha256;

    /// <summary>Loads a model file and swaps it in.</summary>
    /// <exception cref="MnistClientException">Unreadable file or not a usable model; the current model stays.</exception>
    public void LoadModel(string modelPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(modelPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MnistClientException($"Cannot read model file '{modelPath}': {e.Message}", e);
        }
        LoadModel(bytes, Path.GetFileNameWithoutExtension(modelPath));
    }

    /// <summary>Loads a model from its bytes and swaps it in.</summary>
    /// <exception cref="MnistClientException">Not a usable model; the current model stays.</exception>
    public void LoadModel(byte[] modelBytes, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        DigitPipeline next;
        try
        {
            next = new DigitPipeline(OnnxDigitClassifier.Load(modelBytes, fallbackName: name ?? "model"));
        }
        catch (ModelLoadException e)
        {
            throw new MnistClientException($"Not a usable digit model: {e.Message}", e);
        }
        Interlocked.Exchange(ref _model, next)?.Dispose();
    }

    /// <summary>Recognizes a preprocessed image (784 values, as <see cref="DigitPreprocessor"/> makes them).</summary>
    /// <exception cref="MnistClientException">No model is loaded.</exception>
    public float[] Classify(ReadOnlySpan<float> pixels784)
    {
        if (pixels784.Length != DigitPreprocessor.PixelCount)
            throw new ArgumentException($"Expected {DigitPreprocessor.PixelCount} pixels; got {pixels784.Length}.", nameof(pixels784));
        var probabilities = new float[10];
        float[] input = pixels784.ToArray();
        Use((model, _) => { model.Classifier.ClassifyBatch(input, 1, probabilities); return 0; });
        return probabilities;
    }

    /// <inheritdoc/>
    public Task<DigitResult> RecognizeAsync(StrokeDrawing drawing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Recognize(drawing));
    }

    /// <summary>Synchronous <see cref="RecognizeAsync"/>: about a millisecond, fine on a UI thread's stroke-end handler.</summary>
    public DigitResult Recognize(StrokeDrawing drawing)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        long start = Stopwatch.GetTimestamp();
        PreprocessResult p = drawing.Preprocess();
        if (p.IsEmpty) return DigitResult.Empty(p, Mode, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        (Recognition recognition, string name) = Use((model, n) => (model.Classify(p), n));
        return DigitResult.FromProbabilities(recognition.Probabilities, Mode, name, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <inheritdoc/>
    public Task<NumberResult> ReadNumberAsync(StrokeDrawing drawing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ReadNumber(drawing));
    }

    /// <summary>Synchronous <see cref="ReadNumberAsync"/>: <see cref="NumberReader.FromStrokes"/> with the loaded model,
    /// every candidate segment in one model run.</summary>
    /// <exception cref="ArgumentException">Invalid strokes, or more than <see cref="NumberReader.MaxPieces"/> strokes.</exception>
    /// <exception cref="MnistClientException">No model is loaded.</exception>
    public NumberResult ReadNumber(StrokeDrawing drawing)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        long start = Stopwatch.GetTimestamp();
        (NumberReading reading, string name) = Use((model, n) => (model.ReadStrokes(drawing.Strokes, drawing.CanvasWidth, drawing.CanvasHeight), n));
        return NumberResult.FromReading(reading, Mode, name, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>Releases the model (after calls in flight).</summary>
    public void Dispose() => Interlocked.Exchange(ref _model, null)?.Dispose();

    /// <summary>Runs <paramref name="call"/> on the current model and its name. A model swapped out and disposed between
    /// reading it and calling it refuses the call (<see cref="ObjectDisposedException"/>); the call then runs on the new
    /// one. Calls already inside the old model finish there.</summary>
    private TResult Use<TResult>(Func<DigitPipeline, string, TResult> call)
    {
        while (true)
        {
            DigitPipeline model = Volatile.Read(ref _model)
                ?? throw new MnistClientException("No on-device model is loaded yet: load a file or run ModelUpdater.UpdateAsync first.");
            try
            {
                return call(model, model.Model.Name);
            }
            catch (ObjectDisposedException) when (!ReferenceEquals(Volatile.Read(ref _model), model))
            {
            }
        }
    }
}
