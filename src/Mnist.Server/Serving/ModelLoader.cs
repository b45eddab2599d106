using Mnist.Engine.Formats;
using Mnist.Inference;
using Mnist.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Mnist.Server.Serving;

/// <summary>Reads a model file and builds the configured classifier for it.</summary>
public sealed class ModelLoader(IOptions<MnistServerOptions> options, TimeProvider time)
{
    private readonly MnistServerOptions _options = options.Value;

    /// <summary>Whether models run on the managed engine instead of ONNX Runtime.</summary>
    public bool Managed => _options.Engine == "managed";

    /// <summary>Where the int8 companion of the float model at <paramref name="path"/> sits: <c>NAME.onnx</c> →
    /// <c>NAME.int8.onnx</c> in the same folder.</summary>
    public static string CompanionPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? "", System.IO.Path.GetFileNameWithoutExtension(path) + ".int8.onnx");
    }

    /// <summary>Whether the int8 companion is ever looked at under the configured precision and engine.</summary>
    public bool UsesCompanion => !Managed && _options.Precision != "float";

    /// <summary>Builds the served model from the float file's bytes and, when given, its int8 companion's bytes.</summary>
    /// <param name="bytes">The float .onnx file.</param>
    /// <param name="path">Where it was read from.</param>
    /// <param name="int8Bytes">The companion (<see cref="CompanionPath"/>), or null when there is none.</param>
    /// <exception cref="ModelLoadException">The float file is not a usable model; or precision <c>int8</c> is forced
    /// and the companion is missing, unusable, or quantized from another file.</exception>
    public ServedModel Load(byte[] bytes, string path, byte[]? int8Bytes = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        // The float file is loaded even when the companion will answer: it must be a valid model (it is what apps
        // download), and its card is the one /v1/model shows.
        IDigitClassifier floating = Managed ? LoadManaged(bytes, path) : OnnxDigitClassifier.Load(bytes, OrtOptions(), System.IO.Path.GetFileNameWithoutExtension(path));
        ModelInfo info = floating.Model;
        string companion = CompanionPath(path);
        string companionName = System.IO.Path.GetFileName(companion);
        if (!UsesCompanion)
            return Float(Managed ? "the managed engine runs float models only" : "precision float is configured");
        if (int8Bytes is null)
            return Float($"no {companionName} beside the model");

        string floatSha = info.Sha256 ?? ModelInfo.HashBytes(bytes);
        OnnxDigitClassifier int8;
        try
        {
            int8 = OnnxDigitClassifier.Load(int8Bytes, OrtOptions(), System.IO.Path.GetFileNameWithoutExtension(companion));
        }
        catch (ModelLoadException e)
        {
            return Float($"{companionName} cannot be loaded: {e.Message}");
        }
        string? from = int8.Model.Metadata.GetValueOrDefault("quantized_from");
        if (QuantizedFromSha(from) is not { } sourceSha || !sourceSha.Equals(floatSha, StringComparison.OrdinalIgnoreCase))
        {
            int8.Dispose();
            return Float(from is null
                ? $"{companionName} does not say which model it was quantized from"
                : $"{companionName} was quantized from another model ({from}), not this one (sha256:{floatSha})");
        }
        floating.Dispose();
        string int8Sha = int8.Model.Sha256 ?? ModelInfo.HashBytes(int8Bytes);
        return new ServedModel(int8, info, bytes, path, time.GetUtcNow(),
            new Int8Companion(companion, int8Sha, int8.Model.Metadata.GetValueOrDefault("quantization")),
            $"{companionName} was quantized from this model") { Int8Bytes = int8Bytes }.CompressDownloads();

        ServedModel Float(string reason)
        {
            if (_options.Precision == "int8")
            {
                floating.Dispose();
                throw new ModelLoadException($"precision int8 is configured, but {reason}");
            }
            return new ServedModel(floating, info, bytes, path, time.GetUtcNow(), null, reason);
        }
    }

    /// <summary>The SHA-256 in a model card's <c>quantized_from</c> entry (<c>FILE sha256:HEX</c>), or null.</summary>
    internal static string? QuantizedFromSha(string? quantizedFrom)
    {
        const string Marker = "sha256:";
        int at = quantizedFrom?.LastIndexOf(Marker, StringComparison.OrdinalIgnoreCase) ?? -1;
        if (at < 0) return null;
        string hex = quantizedFrom![(at + Marker.Length)..].Trim();
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? hex : null;
    }

    private OnnxClassifierOptions OrtOptions() =>
        new() { IntraOpThreads = _options.IntraOpThreads, MaxRunBatch = Math.Max(_options.Batching.MaxBatchSize, 1) };

    private ManagedDigitClassifier LoadManaged(byte[] bytes, string path)
    {
        ImportedModel first;
        try
        {
            first = OnnxImporter.Load(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ModelLoadException($"The managed engine cannot import '{path}': {e.Message}", e);
        }
        var info = new ModelInfo
        {
            Name = FirstNonEmpty(first.Metadata.GetValueOrDefault("name"), first.Card?.Architecture, System.IO.Path.GetFileNameWithoutExtension(path)),
            Runtime = "managed",
            InputName = first.InputName,
            OutputName = first.OutputName,
            OutputsProbabilities = false,
            OutputKindSource = "model",
            Sha256 = ModelInfo.HashBytes(bytes),
            FileBytes = bytes.Length,
            Metadata = first.Metadata,
        };
        // Each instance is its own import of the same bytes (layers keep per-instance activation buffers).
        int made = 0;
        return new ManagedDigitClassifier(() => made++ == 0 ? first.Model : OnnxImporter.Load(bytes).Model,
            _options.ManagedInstances, outputsProbabilities: false, info);
    }

    private static string FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) ?? "model";
}
