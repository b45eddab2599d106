using System.Text.Json.Serialization;

namespace Mnist.Wire;

/// <summary>Source-generated JSON for the wire records: snake_case, no reflection (trimming and iOS AOT friendly).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(PredictionResponse))]
[JsonSerializable(typeof(BatchPredictionResponse))]
[JsonSerializable(typeof(ReadResponse))]
[JsonSerializable(typeof(BatchReadResponse))]
public sealed partial class WireJsonContext : JsonSerializerContext;
