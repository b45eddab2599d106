using System.Text.Json.Serialization;

namespace Mnist.Server.Api;

// Wire records: what clients see, separate from the engine's and the inference library's types (mapped in
// PredictionMapping). Property names are snake_case on the wire.

/// <summary>The answer for one digit.</summary>
/// <param name="Digit">The recognized digit 0–9; null when the input holds no digit (see <paramref name="NoDigit"/>).</param>
/// <param name="Confidence">Probability of <paramref name="Digit"/>; 0 without a digit.</param>
/// <param name="Probabilities">The 10 class probabilities (all 0 without a digit: the model was not asked).</param>
/// <param name="Confident">False when the answer is ambiguous (low top probability or a close runner-up) or there is no digit.</param>
/// <param name="Model">Name of the model that answered.</param>
/// <param name="ElapsedMs">Server time for this request in milliseconds, from its start to the answer.</param>
/// <param name="NoDigit">Why there is no digit: <c>no_ink</c>, <c>too_little_ink</c>, <c>too_small</c> or <c>blob</c>; absent when a digit was found.</param>
/// <param name="Message">A sentence explaining <paramref name="NoDigit"/>; absent when a digit was found.</param>
/// <param name="Precision">What computed the probabilities: <c>int8</c> (the model's int8 companion) or <c>float</c>;
/// absent when the model was not asked (no digit).</param>
public sealed record PredictionResponse(
    int? Digit,
    float Confidence,
    float[] Probabilities,
    bool Confident,
    string Model,
    double ElapsedMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NoDigit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Precision = null);

/// <summary>The answers for a batch, in request order.</summary>
public sealed record BatchPredictionResponse(PredictionResponse[] Predictions, string Model, double ElapsedMs);

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
/// <param name="Status"><c>ok</c>, <c>ready</c> or <c>not_ready</c>.</param>
/// <param name="Model">The served model's name, when there is one.</param>
/// <param name="Reason">Why the server is not ready.</param>
public sealed record HealthResponse(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>Documentation of the JSON bodies of <c>POST /v1/predict</c> (give exactly one of the three fields).
/// The server reads these bodies with a strict streaming parser; this record exists for the OpenAPI document.</summary>
/// <param name="Pixels">784 numbers 0–255: a 28×28 image, row by row, white digit on black, already MNIST-like.</param>
/// <param name="Strokes">Pen strokes, each a list of [x, y] points in drawing order (y grows downwards).</param>
/// <param name="Width">Width of the drawing surface, in the points' units (optional; enables the "too small" check).</param>
/// <param name="Height">Height of the drawing surface (optional).</param>
/// <param name="Items">A batch: objects each with <c>pixels</c> or <c>strokes</c>.</param>
public sealed record PredictRequest(int[]? Pixels, float[][][]? Strokes, float? Width, float? Height, PredictItem[]? Items);

/// <summary>One item of a batch request.</summary>
public sealed record PredictItem(int[]? Pixels, float[][][]? Strokes, float? Width, float? Height);

/// <summary>Source-generated JSON for the wire records (snake_case).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PredictionResponse))]
[JsonSerializable(typeof(BatchPredictionResponse))]
[JsonSerializable(typeof(FlaskPredictionResponse))]
[JsonSerializable(typeof(ModelResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(PredictRequest))]
public sealed partial class WireJsonContext : JsonSerializerContext;
