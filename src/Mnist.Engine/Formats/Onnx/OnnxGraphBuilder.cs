using System.Globalization;

namespace Mnist.Engine.Formats.Onnx;

/// <summary>
/// Builds an ONNX model: inputs, outputs, initializers and nodes in topological order, plus the
/// model-card metadata. Defaults: opset 13 of the default domain, IR version 7.
/// <code>
/// var b = new OnnxGraphBuilder("mnist");
/// b.AddInput("input", OnnxDataType.Float, "N", 1, 28, 28);
/// b.AddInitializer("fc.weight", [10, 784], weights);
/// b.AddNode("Flatten", ["input"], ["x"], AttributeProto.Int("axis", 1));
/// b.AddNode("Gemm", ["x", "fc.weight", "fc.bias"], ["logits"], AttributeProto.Int("transB", 1));
/// b.AddNode("Softmax", ["logits"], ["probabilities"], AttributeProto.Int("axis", 1));
/// b.AddOutput("probabilities", OnnxDataType.Float, "N", 10);
/// byte[] bytes = OnnxModel.Serialize(b.Build());
/// </code>
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly List<StringStringEntryProto> _metadata = [];
    private readonly HashSet<string> _nodeNames = [];

    /// <summary>Starts a graph named <paramref name="graphName"/>.</summary>
    public OnnxGraphBuilder(string graphName = "main")
    {
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>Default-domain opset version (13 or newer for the project's exports).</summary>
    public long OpsetVersion { get; set; } = 13;

    /// <summary>IR version; 7 is the minimum for opset 13.</summary>
    public long IrVersion { get; set; } = 7;

    /// <summary><c>producer_name</c>.</summary>
    public string ProducerName { get; set; } = "Mnist.Engine";

    /// <summary><c>producer_version</c>; defaults to the engine assembly version.</summary>
    public string ProducerVersion { get; set; } =
        typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary><c>domain</c> of the model.</summary>
    public string Domain { get; set; } = "";

    /// <summary><c>model_version</c>.</summary>
    public long ModelVersion { get; set; }

    /// <summary><c>doc_string</c> of the model.</summary>
    public string DocString { get; set; } = "";

    /// <summary>The graph under construction (for inspection or edits the builder does not cover).</summary>
    public GraphProto Graph => _graph;

    /// <summary>Declares a graph input, e.g. <c>AddInput("input", OnnxDataType.Float, "N", 1, 28, 28)</c>.</summary>
    public ValueInfoProto AddInput(string name, OnnxDataType elemType, params OnnxDim[] dims)
    {
        var v = ValueInfoProto.CreateTensor(name, elemType, dims);
        _graph.Input.Add(v);
        return v;
    }

    /// <summary>Declares a graph output.</summary>
    public ValueInfoProto AddOutput(string name, OnnxDataType elemType, params OnnxDim[] dims)
    {
        var v = ValueInfoProto.CreateTensor(name, elemType, dims);
        _graph.Output.Add(v);
        return v;
    }

    /// <summary>Declares the type of an intermediate value (optional; helps viewers and checkers).</summary>
    public ValueInfoProto AddValueInfo(string name, OnnxDataType elemType, params OnnxDim[] dims)
    {
        var v = ValueInfoProto.CreateTensor(name, elemType, dims);
        _graph.ValueInfo.Add(v);
        return v;
    }

    /// <summary>Adds a FLOAT initializer (stored as raw little-endian data).</summary>
    /// <exception cref="ArgumentException">Data length differs from the product of <paramref name="dims"/>.</exception>
    public TensorProto AddInitializer(string name, ReadOnlySpan<int> dims, ReadOnlySpan<float> data)
    {
        var t = TensorProto.FromFloats(name, ToLongs(dims), data);
        _graph.Initializer.Add(t);
        return t;
    }

    /// <summary>Adds an INT64 initializer, e.g. a Reshape target shape.</summary>
    /// <exception cref="ArgumentException">Data length differs from the product of <paramref name="dims"/>.</exception>
    public TensorProto AddInt64Initializer(string name, ReadOnlySpan<int> dims, ReadOnlySpan<long> data)
    {
        var t = TensorProto.FromInt64s(name, ToLongs(dims), data);
        _graph.Initializer.Add(t);
        return t;
    }

    /// <summary>Adds a prepared initializer tensor.</summary>
    public TensorProto AddInitializer(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _graph.Initializer.Add(tensor);
        return tensor;
    }

    /// <summary>
    /// Appends a node (nodes must be added in topological order). Its name is
    /// <c>{opType}_{index}</c>, unique in the graph; change it on the returned node if wanted.
    /// </summary>
    public NodeProto AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var n = new NodeProto { OpType = opType };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        int index = _graph.Node.Count;
        string name = string.Create(CultureInfo.InvariantCulture, $"{opType}_{index}");
        while (!_nodeNames.Add(name))
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{opType}_{++index}");
        }

        n.Name = name;
        _graph.Node.Add(n);
        return n;
    }

    /// <summary>Sets (or replaces) a <c>metadata_props</c> entry of the model card.</summary>
    public void SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata.RemoveAll(e => e.Key == key);
        _metadata.Add(new StringStringEntryProto(key, value));
    }

    /// <summary>Assembles the model. The builder's graph object is shared, not copied.</summary>
    public ModelProto Build()
    {
        var m = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            Domain = Domain,
            ModelVersion = ModelVersion,
            DocString = DocString,
            Graph = _graph,
        };
        m.OpsetImport.Add(new OperatorSetIdProto("", OpsetVersion));
        m.MetadataProps.AddRange(_metadata);
        return m;
    }

    private static long[] ToLongs(ReadOnlySpan<int> dims)
    {
        long[] result = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            result[i] = dims[i];
        }

        return result;
    }
}
