namespace Mnist.Engine.Formats.Onnx;

/// <summary>ONNX <c>NodeProto</c>: one operator application.</summary>
public sealed class NodeProto
{
    /// <summary>Input value names (field 1); an empty name marks an omitted optional input.</summary>
    public List<string> Input { get; } = [];

    /// <summary>Output value names (field 2).</summary>
    public List<string> Output { get; } = [];

    /// <summary>Node name (field 3), used in error messages.</summary>
    public string Name { get; set; } = "";

    /// <summary>Operator type, e.g. <c>Conv</c> (field 4).</summary>
    public string OpType { get; set; } = "";

    /// <summary>Operator domain (field 7); empty is the default ONNX domain.</summary>
    public string Domain { get; set; } = "";

    /// <summary>Attributes (field 5).</summary>
    public List<AttributeProto> Attribute { get; } = [];

    /// <summary>Documentation (field 6).</summary>
    public string DocString { get; set; } = "";

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public AttributeProto? FindAttribute(string name) => Attribute.Find(a => a.Name == name);

    /// <inheritdoc/>
    public override string ToString() => $"{OpType} '{Name}' ({string.Join(", ", Input)}) -> ({string.Join(", ", Output)})";
}
