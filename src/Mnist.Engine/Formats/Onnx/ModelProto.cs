namespace Mnist.Engine.Formats.Onnx;

/// <summary>
/// ONNX <c>ModelProto</c> subset: the top-level file object. Fields not modelled here (training info,
/// functions) are skipped on read and not written.
/// </summary>
public sealed class ModelProto
{
    /// <summary>IR version (field 1). Opset 13 needs IR ≥ 7.</summary>
    public long IrVersion { get; set; }

    /// <summary>Operator sets the graph uses (field 8); the default domain is <c>""</c>.</summary>
    public List<OperatorSetIdProto> OpsetImport { get; } = [];

    /// <summary>Producer tool name (field 2).</summary>
    public string ProducerName { get; set; } = "";

    /// <summary>Producer tool version (field 3).</summary>
    public string ProducerVersion { get; set; } = "";

    /// <summary>Reverse-DNS model namespace (field 4).</summary>
    public string Domain { get; set; } = "";

    /// <summary>Model version (field 5).</summary>
    public long ModelVersion { get; set; }

    /// <summary>Free documentation (field 6).</summary>
    public string DocString { get; set; } = "";

    /// <summary>The graph (field 7).</summary>
    public GraphProto Graph { get; set; } = new();

    /// <summary>Metadata key/value pairs (field 14): the project's model card.</summary>
    public List<StringStringEntryProto> MetadataProps { get; } = [];

    /// <summary>The opset version imported for <paramref name="domain"/>, or null when not imported.</summary>
    public long? GetOpsetVersion(string domain = "")
    {
        foreach (OperatorSetIdProto o in OpsetImport)
        {
            if (o.Domain == domain || (domain.Length == 0 && o.Domain == "ai.onnx"))
            {
                return o.Version;
            }
        }

        return null;
    }

    /// <summary>The metadata value for <paramref name="key"/>, or null.</summary>
    public string? GetMetadata(string key)
    {
        foreach (StringStringEntryProto e in MetadataProps)
        {
            if (e.Key == key)
            {
                return e.Value;
            }
        }

        return null;
    }
}
