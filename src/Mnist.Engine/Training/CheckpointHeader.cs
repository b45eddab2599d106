using System.Text.Json.Serialization;

namespace Mnist.Engine.Training;

/// <summary>The JSON part of a checkpoint file: the training state and a table of the float arrays that follow.</summary>
internal sealed class CheckpointHeader
{
    public string Format { get; set; } = Checkpoint.FormatName;
    public int Version { get; set; } = Checkpoint.FormatVersion;
    public string SavedUtc { get; set; } = "";
    public TrainingState State { get; set; } = null!;
    public long StepCount { get; set; }
    public Dictionary<string, ulong[]> RandomStates { get; set; } = [];
    public List<CheckpointArray> Arrays { get; set; } = [];
}

/// <summary>One float array of the payload, in file order.</summary>
internal sealed class CheckpointArray
{
    public string Name { get; set; } = "";

    /// <summary><c>parameter</c>, <c>buffer</c> or <c>optimizer</c>.</summary>
    public string Kind { get; set; } = "";

    public int[] Shape { get; set; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    WriteIndented = false)]
[JsonSerializable(typeof(CheckpointHeader))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
}
