using System.Text.Json.Serialization;

namespace Mnist.Client;

// The request and answer records of /v1/predict and /v1/read are Mnist.Wire's, shared with the server.

/// <summary>RFC 9457 problem details, as the server reports client errors.</summary>
internal sealed record ProblemDetailsDto
{
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    [JsonPropertyName("status")] public int? Status { get; init; }
}

/// <summary>Source-generated JSON for what only the SDK reads (no reflection: trimming and iOS AOT friendly).</summary>
[JsonSerializable(typeof(ProblemDetailsDto))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
