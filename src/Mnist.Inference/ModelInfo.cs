using System.Collections.ObjectModel;
using System.Security.Cryptography;

namespace Mnist.Inference;

/// <summary>Describes the model behind an <see cref="IDigitClassifier"/>.</summary>
public sealed record ModelInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>A display name: the model card's <c>name</c> or <c>architecture</c>, else the graph name, else the file name.</summary>
    public required string Name { get; init; }

    /// <summary>Which runtime executes it: <c>onnxruntime</c> or <c>managed</c>.</summary>
    public required string Runtime { get; init; }

    /// <summary>Name of the image input (the contract's is <c>input</c>).</summary>
    public required string InputName { get; init; }

    /// <summary>Name of the [N,10] output used (the contract's is <c>probabilities</c>).</summary>
    public required string OutputName { get; init; }

    /// <summary>How the input shape is declared.</summary>
    public InputLayout InputLayout { get; init; } = InputLayout.Nchw;

    /// <summary>The batch size when the model fixes it (inputs are then padded or split); null when dynamic.</summary>
    public int? FixedBatchSize { get; init; }

    /// <summary>True when the model's output already is softmax probabilities; false when the classifier applies a
    /// softmax to logits.</summary>
    public required bool OutputsProbabilities { get; init; }

    /// <summary>How <see cref="OutputsProbabilities"/> was decided: <c>option</c>, <c>metadata</c>, <c>probe</c> or <c>model</c>.</summary>
    public string OutputKindSource { get; init; } = "model";

    /// <summary>SHA-256 of the model file's bytes, lowercase hex; null for an in-memory model without a file.</summary>
    public string? Sha256 { get; init; }

    /// <summary>An HTTP entity tag for the model file: the quoted <see cref="Sha256"/>, or null.</summary>
    public string? ETag => Sha256 is null ? null : $"\"{Sha256}\"";

    /// <summary>Size of the model file in bytes; 0 when unknown.</summary>
    public long FileBytes { get; init; }

    /// <summary>The model card: ONNX <c>metadata_props</c> (architecture, dataset, test accuracy, …).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = NoMetadata;

    /// <summary>Lowercase hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string HashBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
