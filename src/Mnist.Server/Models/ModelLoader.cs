using Mnist.Engine.Models;
using Mnist.Inference;
using Mnist.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Mnist.Server.Models;

/// <summary>Reads a model file and builds the configured classifier for it.</summary>
public sealed class ModelLoader(IOptions<MnistServerOptions> options, TimeProvider time)
{
    private readonly MnistServerOptions _options = options.Value;

    /// <summary>Whether models run on the managed engine instead of ONNX Runtime.</summary>
    public bool Managed => _options.Engine == "managed";

    /// <summary>Loads <paramref name="path"/> into a classifier.</summary>
    /// <exception cref="ModelLoadException">The file is missing, unreadable, not ONNX, or lacks the contract's I/O.</exception>
    public ServedModel Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ModelLoadException($"Cannot read model file '{path}': {e.Message}", e);
        }
        return Load(bytes, path);
    }

    /// <summary>Builds a classifier from a model file's bytes.</summary>
    /// <exception cref="ModelLoadException">Not ONNX, or lacking the contract's I/O.</exception>
    public ServedModel Load(byte[] bytes, string path)
    {
        IDigitClassifier classifier = Managed ? LoadManaged(bytes, path) : OnnxDigitClassifier.Load(bytes,
            new OnnxClassifierOptions { IntraOpThreads = _options.IntraOpThreads, MaxRunBatch = Math.Max(_options.Batching.MaxBatchSize, 1) },
            System.IO.Path.GetFileNameWithoutExtension(path));
        return new ServedModel(classifier, bytes, path, time.GetUtcNow());
    }

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
