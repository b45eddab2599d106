using System.Text.Json.Serialization;

namespace Mnist.Client;

/// <summary><c>POST /v1/predict</c> body for strokes: <c>{"strokes":[[[x,y],…],…]}</c>.</summary>
internal sealed record PredictStrokesRequest([property: JsonPropertyName("strokes")] float[][][] Strokes);

/// <summary><c>POST /v1/predict</c> answer: <c>{"digit","confidence","probabilities":[10],"model","elapsed_ms"}</c>.</summary>
internal sealed record PredictResponse
{
    [JsonPropertyName("digit")] public int? Digit { get; init; }
    [JsonPropertyName("confidence")] public float Confidence { get; init; }
    [JsonPropertyName("probabilities")] public float[]? Probabilities { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("elapsed_ms")] public double? ElapsedMs { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

/// <summary>RFC 9457 problem details, as the server reports client errors.</summary>
internal sealed record ProblemDetailsDto
{
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    [JsonPropertyName("status")] public int? Status { get; init; }
}

/// <summary>Source-generated JSON (no reflection: trimming and iOS AOT friendly).</summary>
[JsonSerializable(typeof(PredictStrokesRequest))]
[JsonSerializable(typeof(PredictResponse))]
[JsonSerializable(typeof(ProblemDetailsDto))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
