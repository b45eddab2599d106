using Mnist.Engine.Formats;
using Mnist.Inference;

namespace Mnist.Server.Serving;

/// <summary>One loaded model: the pipeline over its classifier, the exact float file bytes it was loaded from (served for download, so
/// the ETag is their hash), and a TFLite conversion made on first request. The classifier may run the float file's int8
/// companion (<see cref="Int8"/>); everything a client downloads or reads in the model card is still the float file.</summary>
public sealed class ServedModel : IDisposable
{
    private readonly Lazy<TfLiteConversion> _tflite;

    internal ServedModel(IDigitClassifier classifier, ModelInfo info, byte[] onnxBytes, string path, DateTimeOffset loadedAt,
        Int8Companion? int8, string precisionReason)
    {
        Pipeline = new DigitPipeline(classifier, PipelineOptions);
        Info = info;
        OnnxBytes = onnxBytes;
        Path = path;
        LoadedAt = loadedAt;
        Int8 = int8;
        PrecisionReason = precisionReason;
        _tflite = new Lazy<TfLiteConversion>(ConvertToTfLite, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The settings of every served model's pipeline, and of the preprocessing requests get before the
    /// model that classifies them is chosen: the defaults, the preprocessing the shipped models were trained for.</summary>
    public static DigitPipelineOptions PipelineOptions => DigitPipelineOptions.Default;

    /// <summary>What answers predictions and readings: Mnist.Inference's pipeline (the one the CLI and the SDK's on-device recognizer use)
    /// over the classifier (ONNX Runtime or managed engine; the int8 companion when <see cref="Int8"/> is set). It owns
    /// the classifier. Its <see cref="DigitPipeline.Model"/> is the file that runs; <see cref="Info"/> is the float
    /// file's.</summary>
    public DigitPipeline Pipeline { get; }

    /// <summary>The float file's name, runtime, hash and model card.</summary>
    public ModelInfo Info { get; }

    /// <summary>The .onnx file's bytes as loaded.</summary>
    public byte[] OnnxBytes { get; }

    /// <summary>Where the file was read from.</summary>
    public string Path { get; }

    /// <summary>When it was loaded.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>The int8 companion that runs the predictions, or null when the float file does.</summary>
    public Int8Companion? Int8 { get; }

    /// <summary>The int8 companion's file bytes (served to the web app, which runs what the server runs), or null.</summary>
    public byte[]? Int8Bytes { get; init; }

    /// <summary>A download's bytes compressed with brotli (quality 11, the size the web app's first visit is measured
    /// by; docs/web.md), made once per file on its first request.</summary>
    internal byte[] Brotli(byte[] bytes) => _brotli.GetOrAdd(bytes, static b =>
    {
        byte[] buffer = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(b.Length)];
        if (!System.IO.Compression.BrotliEncoder.TryCompress(b, buffer, out int written, quality: 11, window: 22))
            throw new InvalidOperationException("brotli compression failed");
        return buffer[..written];
    });

    private readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], byte[]> _brotli = new(ReferenceEqualityComparer.Instance);

    /// <summary>Starts compressing the int8 download in the background (about 0.2 s of one core for 249 KB), so that
    /// the first page that asks for it does not wait for the compression; returns this model.</summary>
    internal ServedModel CompressDownloads()
    {
        if (Int8Bytes is { } bytes) _ = Task.Run(() => Brotli(bytes));
        return this;
    }

    /// <summary><c>int8</c> or <c>float</c>: what the predictions are computed with.</summary>
    public string Precision => Int8 is null ? "float" : "int8";

    /// <summary>Why this precision serves (a companion used, absent, not matching, or float forced).</summary>
    public string PrecisionReason { get; }

    /// <summary>The hashes of the float file and of the companion offered with it (used or not): a reload that
    /// offers the same pair changes nothing.</summary>
    internal string? OfferedKey { get; set; }

    /// <summary>Lowercase hex SHA-256 of <see cref="OnnxBytes"/>.</summary>
    public string Sha256 => Info.Sha256 ?? ModelInfo.HashBytes(OnnxBytes);

    /// <summary>The model as TensorFlow Lite (NHWC [1,28,28,1] in, softmax [1,10] out), converted once through the
    /// managed engine's importer; <see cref="TfLiteConversion.Error"/> says why when the graph cannot be converted.</summary>
    public TfLiteConversion TfLite => _tflite.Value;

    /// <summary>Stops new classifier calls; calls in flight finish first.</summary>
    public void Dispose() => Pipeline.Dispose();

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

/// <summary>The int8 file that computes a served float model's predictions.</summary>
/// <param name="Path">Where it was read from.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the file.</param>
/// <param name="Quantization">Its model card's <c>quantization</c> entry (how it was quantized), if any.</param>
public sealed record Int8Companion(string Path, string Sha256, string? Quantization);

/// <summary>The result of converting a served model to TFLite: the file, or why there is none.</summary>
public sealed record TfLiteConversion(byte[]? Bytes, string? Error);
