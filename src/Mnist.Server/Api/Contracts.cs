using System.Text.Json.Serialization;

namespace Mnist.Server.Api;

// Wire records of the server's own endpoints (Flask-compatible upload, model card, health): what clients see, separate
// from the engine's and the inference library's types. The records of /v1/predict and /v1/read, which the SDK reads
// too, live in Mnist.Wire. Property names are snake_case on the wire.

/// <summary>The original Flask server's answer (<c>POST /mnist</c>), field for field, plus the no-digit reason.</summary>
/// <param name="Filename">The uploaded file's name as the client sent it (never used to store anything).</param>
/// <param name="PredNumber">The recognized digit; null when the image holds no digit.</param>
/// <param name="PredLabel">The probabilities as a 1×10 matrix, as Keras' <c>model.predict</c> returned them.</param>
/// <param name="NoDigit">Why there is no digit; absent when a digit was found.</param>
public sealed record FlaskPredictionResponse(
    string Filename,
    int? PredNumber,
    float[][] PredLabel,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NoDigit = null);

/// <summary>The served model: identity, I/O and its model card (all of the float file), and what runs the predictions.</summary>
public sealed record ModelResponse(
    string Name,
    string Runtime,
    string Sha256,
    [property: JsonPropertyName("etag")] string ETag,
    long FileBytes,
    string File,
    DateTimeOffset LoadedAt,
    string InputName,
    string InputLayout,
    int? FixedBatchSize,
    string OutputName,
    bool OutputsProbabilities,
    long Reloads,
    IReadOnlyDictionary<string, string> Card,
    ModelDownloads Downloads,
    ModelInference Inference);

/// <summary>What computes the predictions of the served model.</summary>
/// <param name="Precision"><c>int8</c> (the companion file) or <c>float</c> (the served file itself).</param>
/// <param name="File">The file that runs: the served file, or its int8 companion.</param>
/// <param name="Sha256">That file's SHA-256.</param>
/// <param name="Quantization">The companion's <c>quantization</c> card entry; absent for float.</param>
/// <param name="Reason">Why this precision serves (companion matched, absent, not matching, float configured).</param>
public sealed record ModelInference(
    string Precision,
    string File,
    string Sha256,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Quantization,
    string Reason);

/// <summary>Where apps download the model.</summary>
public sealed record ModelDownloads(string Onnx, string TfLite);

/// <summary>Liveness or readiness.</summary>
/// <param name="Status"><c>ok</c> or <c>unhealthy</c> (liveness); <c>ready</c> or <c>not_ready</c> (readiness).</param>
/// <param name="Model">The served model's name, when there is one.</param>
/// <param name="Reason">Why the server is not ready (the first failing health check).</param>
public sealed record HealthResponse(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>Source-generated JSON for the server's own records (snake_case); Mnist.Wire's context serves the rest.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FlaskPredictionResponse))]
[JsonSerializable(typeof(ModelResponse))]
[JsonSerializable(typeof(HealthResponse))]
public sealed partial class ServerJsonContext : JsonSerializerContext;
