namespace Mnist.Engine.Formats.Onnx;

/// <summary>ONNX <c>GraphProto</c> subset. Nodes are in topological order.</summary>
public sealed class GraphProto
{
    /// <summary>Nodes (field 1).</summary>
    public List<NodeProto> Node { get; } = [];

    /// <summary>Graph name (field 2).</summary>
    public string Name { get; set; } = "";

    /// <summary>Constant tensors, e.g. weights (field 5).</summary>
    public List<TensorProto> Initializer { get; } = [];

    /// <summary>Documentation (field 10).</summary>
    public string DocString { get; set; } = "";

    /// <summary>Graph inputs (field 11). Older IRs also list initializers here.</summary>
    public List<ValueInfoProto> Input { get; } = [];

    /// <summary>Graph outputs (field 12).</summary>
    public List<ValueInfoProto> Output { get; } = [];

    /// <summary>Types of intermediate values (field 13).</summary>
    public List<ValueInfoProto> ValueInfo { get; } = [];

    /// <summary>The initializer named <paramref name="name"/>, or null.</summary>
    public TensorProto? FindInitializer(string name) => Initializer.Find(t => t.Name == name);
}
