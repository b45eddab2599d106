using Mnist.Engine.Models;
using Mnist.Inference;

namespace Mnist.Server.Models;

/// <summary>One loaded model: the classifier, the exact file bytes it was loaded from (served for download, so the
/// ETag is their hash), and a TFLite conversion made on first request.</summary>
public sealed class ServedModel : IDisposable
{
    private readonly Lazy<TfLiteConversion> _tflite;

    internal ServedModel(IDigitClassifier classifier, byte[] onnxBytes, string path, DateTimeOffset loadedAt)
    {
        Classifier = classifier;
        OnnxBytes = onnxBytes;
        Path = path;
        LoadedAt = loadedAt;
        _tflite = new Lazy<TfLiteConversion>(ConvertToTfLite, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The classifier (ONNX Runtime or managed engine).</summary>
    public IDigitClassifier Classifier { get; }

    /// <summary>Name, runtime, hash and model card.</summary>
    public ModelInfo Info => Classifier.Model;

    /// <summary>The .onnx file's bytes as loaded.</summary>
    public byte[] OnnxBytes { get; }

    /// <summary>Where the file was read from.</summary>
    public string Path { get; }

    /// <summary>When it was loaded.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>Lowercase hex SHA-256 of <see cref="OnnxBytes"/>.</summary>
    public string Sha256 => Info.Sha256 ?? ModelInfo.HashBytes(OnnxBytes);

    /// <summary>The model as TensorFlow Lite (NHWC [1,28,28,1] in, softmax [1,10] out), converted once through the
    /// managed engine's importer; <see cref="TfLiteConversion.Error"/> says why when the graph cannot be converted.</summary>
    public TfLiteConversion TfLite => _tflite.Value;

    /// <summary>Stops new classifier calls; calls in flight finish first.</summary>
    public void Dispose() => Classifier.Dispose();

    private TfLiteConversion ConvertToTfLite()
    {
        try
        {
            ImportedModel imported = OnnxImporter.Load(OnnxBytes);
            return new TfLiteConversion(TfLiteExporter.Export(imported.Model, imported.Card), null);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidDataException or ArgumentException or FormatException or OverflowException)
        {
            return new TfLiteConversion(null, e.Message);
        }
    }
}

/// <summary>The result of converting a served model to TFLite: the file, or why there is none.</summary>
public sealed record TfLiteConversion(byte[]? Bytes, string? Error);
