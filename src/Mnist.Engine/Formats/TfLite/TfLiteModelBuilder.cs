using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Mnist.Engine.Formats.TfLite;

/// <summary>
/// Builds a single-subgraph TFLite model (schema version 3, file identifier "TFL3").
/// Layout conventions the caller must follow: activations are NHWC, CONV_2D weights are OHWI
/// <c>[out, kh, kw, in]</c> with a bias <c>[out]</c>, FULLY_CONNECTED weights are <c>[out, in]</c>.
/// <code>
/// var b = new TfLiteModelBuilder();
/// int x = b.AddTensor("input", [1, 28, 28, 1], TfLiteTensorType.Float32);
/// int w = b.AddTensor("fc/weights", [10, 784], TfLiteTensorType.Float32, weights);
/// ...
/// b.AddOperator(TfLiteBuiltinOperator.FullyConnected, [flat, w, bias], [logits], new TfLiteFullyConnectedOptions());
/// b.SetInputs(x); b.SetOutputs(probabilities);
/// byte[] file = b.Build();
/// </code>
/// </summary>
public sealed class TfLiteModelBuilder
{
    /// <summary>The FlatBuffers file identifier of TFLite models.</summary>
    public const string FileIdentifier = "TFL3";

    /// <summary>The schema version written into <c>Model.version</c>.</summary>
    public const int SchemaVersion = 3;

    private readonly List<TensorEntry> _tensors = [];
    private readonly List<byte[]> _buffers = [[]]; // buffer 0: the empty sentinel
    private readonly List<(TfLiteBuiltinOperator Op, int Version)> _opcodes = [];
    private readonly List<OperatorEntry> _operators = [];
    private readonly List<(string Name, int Buffer)> _metadata = [];
    private int[] _inputs = [];
    private int[] _outputs = [];

    /// <summary>Model description (<c>Model.description</c>).</summary>
    public string Description { get; set; } = "Mnist.Engine";

    /// <summary>Subgraph name.</summary>
    public string SubgraphName { get; set; } = "main";

    /// <summary>
    /// Adds a tensor and returns its index. With <paramref name="data"/> it is a constant stored in its own
    /// buffer (little-endian bytes); without, an activation using buffer 0.
    /// </summary>
    /// <exception cref="ArgumentException">The data size does not match shape and type.</exception>
    public int AddTensor(string name, int[] shape, TfLiteTensorType type, ReadOnlySpan<byte> data = default, TfLiteQuantization? quantization = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        int buffer = 0;
        if (!data.IsEmpty)
        {
            long expected = ElementSize(type);
            foreach (int d in shape)
            {
                expected *= d;
            }

            if (expected != data.Length)
            {
                throw new ArgumentException($"Tensor '{name}' [{string.Join(",", shape)}] {type} needs {expected} bytes, got {data.Length}.", nameof(data));
            }

            buffer = _buffers.Count;
            _buffers.Add(data.ToArray());
        }

        _tensors.Add(new TensorEntry(name, (int[])shape.Clone(), type, buffer, quantization));
        return _tensors.Count - 1;
    }

    /// <summary>Adds a constant FLOAT32 tensor.</summary>
    public int AddTensor(string name, int[] shape, ReadOnlySpan<float> data) =>
        AddTensor(name, shape, TfLiteTensorType.Float32, ToBytes(data));

    /// <summary>Adds a constant INT32 tensor (biases of int8 ops, reshape shapes, transpose permutations).</summary>
    public int AddTensor(string name, int[] shape, ReadOnlySpan<int> data, TfLiteQuantization? quantization = null) =>
        AddTensor(name, shape, TfLiteTensorType.Int32, ToBytes(data), quantization);

    /// <summary>Adds a constant INT8 tensor with its quantization.</summary>
    public int AddTensor(string name, int[] shape, ReadOnlySpan<sbyte> data, TfLiteQuantization quantization) =>
        AddTensor(name, shape, TfLiteTensorType.Int8, MemoryMarshal.AsBytes(data), quantization);

    /// <summary>
    /// Appends an operator (in execution order). Operator codes are shared: one entry per (operator, version).
    /// Pass -1 in <paramref name="inputs"/> for an omitted optional input.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A tensor index is out of range.</exception>
    public void AddOperator(TfLiteBuiltinOperator op, int[] inputs, int[] outputs, TfLiteBuiltinOptions? options = null, int version = 1)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        foreach (int t in inputs.Concat(outputs))
        {
            if (t < -1 || t >= _tensors.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(inputs), $"Tensor index {t} is not one of the {_tensors.Count} tensors.");
            }
        }

        int code = _opcodes.IndexOf((op, version));
        if (code < 0)
        {
            code = _opcodes.Count;
            _opcodes.Add((op, version));
        }

        _operators.Add(new OperatorEntry(code, (int[])inputs.Clone(), (int[])outputs.Clone(), options));
    }

    /// <summary>Sets the subgraph inputs.</summary>
    public void SetInputs(params int[] tensors) => _inputs = (int[])tensors.Clone();

    /// <summary>Sets the subgraph outputs.</summary>
    public void SetOutputs(params int[] tensors) => _outputs = (int[])tensors.Clone();

    /// <summary>Adds a <c>Model.metadata</c> entry pointing at a new buffer holding <paramref name="data"/>.</summary>
    public void AddMetadata(string name, ReadOnlySpan<byte> data)
    {
        _metadata.Add((name, _buffers.Count));
        _buffers.Add(data.ToArray());
    }

    /// <summary>Serializes the model.</summary>
    /// <exception cref="InvalidOperationException">Inputs or outputs were not set.</exception>
    public byte[] Build()
    {
        if (_inputs.Length == 0 || _outputs.Length == 0)
        {
            throw new InvalidOperationException("Set the subgraph inputs and outputs before building.");
        }

        var w = new FlatBufferWriter(64 + _buffers.Sum(b => b.Length + 32));

        // Buffers first (largest data), 16-byte aligned so runtimes can map weights in place.
        int[] buffers = new int[_buffers.Count];
        for (int i = 0; i < _buffers.Count; i++)
        {
            int data = _buffers[i].Length > 0 ? w.CreateByteVector(_buffers[i], 16) : 0;
            w.StartTable(1);
            if (data != 0)
            {
                w.AddOffsetField(0, data);
            }

            buffers[i] = w.EndTable();
        }

        int[] tensors = new int[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            TensorEntry t = _tensors[i];
            int name = w.CreateString(t.Name);
            int shape = w.CreateInt32Vector(t.Shape);
            int quant = 0;
            if (t.Quantization is { } q)
            {
                int scale = w.CreateFloatVector(q.Scale);
                int zero = w.CreateInt64Vector(q.ZeroPoint);
                w.StartTable(7);
                w.AddOffsetField(2, scale);
                w.AddOffsetField(3, zero);
                w.AddInt32(6, q.QuantizedDimension);
                quant = w.EndTable();
            }

            w.StartTable(5);
            w.AddOffsetField(0, shape);
            w.AddUInt32(2, (uint)t.Buffer);
            w.AddOffsetField(3, name);
            if (quant != 0)
            {
                w.AddOffsetField(4, quant);
            }

            w.AddByte(1, (byte)t.Type);
            tensors[i] = w.EndTable();
        }

        int[] operators = new int[_operators.Count];
        for (int i = 0; i < _operators.Count; i++)
        {
            OperatorEntry o = _operators[i];
            int options = o.Options?.Write(w) ?? 0;
            int inputs = w.CreateInt32Vector(o.Inputs);
            int outputs = w.CreateInt32Vector(o.Outputs);
            w.StartTable(5);
            w.AddUInt32(0, (uint)o.OpcodeIndex);
            w.AddOffsetField(1, inputs);
            w.AddOffsetField(2, outputs);
            if (o.Options is not null)
            {
                w.AddOffsetField(4, options);
                w.AddByte(3, (byte)o.Options.OptionsType);
            }

            operators[i] = w.EndTable();
        }

        int subgraph;
        {
            int tensorVec = w.CreateOffsetVector(tensors);
            int inputVec = w.CreateInt32Vector(_inputs);
            int outputVec = w.CreateInt32Vector(_outputs);
            int opVec = w.CreateOffsetVector(operators);
            int name = w.CreateString(SubgraphName);
            w.StartTable(5);
            w.AddOffsetField(0, tensorVec);
            w.AddOffsetField(1, inputVec);
            w.AddOffsetField(2, outputVec);
            w.AddOffsetField(3, opVec);
            w.AddOffsetField(4, name);
            subgraph = w.EndTable();
        }

        int[] codes = new int[_opcodes.Count];
        for (int i = 0; i < _opcodes.Count; i++)
        {
            (TfLiteBuiltinOperator op, int version) = _opcodes[i];
            w.StartTable(4);
            w.AddInt32(2, version);
            w.AddInt32(3, (int)op);

            // Schema compatibility rule: readers take max(deprecated_builtin_code, builtin_code), and
            // old readers only know the int8 field, which saturates at PLACEHOLDER_FOR_GREATER_OP_CODES.
            w.AddByte(0, (byte)Math.Min((int)op, (int)TfLiteBuiltinOperator.PlaceholderForGreaterOpCodes));
            codes[i] = w.EndTable();
        }

        int[] metadata = new int[_metadata.Count];
        for (int i = 0; i < _metadata.Count; i++)
        {
            int name = w.CreateString(_metadata[i].Name);
            w.StartTable(2);
            w.AddOffsetField(0, name);
            w.AddUInt32(1, (uint)_metadata[i].Buffer);
            metadata[i] = w.EndTable();
        }

        int codeVec = w.CreateOffsetVector(codes);
        int subgraphVec = w.CreateOffsetVector([subgraph]);
        int description = w.CreateString(Description);
        int bufferVec = w.CreateOffsetVector(buffers);
        int metadataVec = metadata.Length > 0 ? w.CreateOffsetVector(metadata) : 0;

        w.StartTable(7);
        w.AddUInt32(0, SchemaVersion);
        w.AddOffsetField(1, codeVec);
        w.AddOffsetField(2, subgraphVec);
        w.AddOffsetField(3, description);
        w.AddOffsetField(4, bufferVec);
        if (metadataVec != 0)
        {
            w.AddOffsetField(6, metadataVec);
        }

        int model = w.EndTable();
        return w.Finish(model, FileIdentifier);
    }

    private static int ElementSize(TfLiteTensorType type) => type switch
    {
        TfLiteTensorType.Float32 or TfLiteTensorType.Int32 => 4,
        TfLiteTensorType.Int64 => 8,
        TfLiteTensorType.Float16 or TfLiteTensorType.Int16 => 2,
        TfLiteTensorType.Int8 or TfLiteTensorType.UInt8 => 1,
        _ => throw new NotSupportedException($"Tensor type {type} is not supported."),
    };

    private static byte[] ToBytes(ReadOnlySpan<float> data)
    {
        byte[] bytes = new byte[data.Length * 4];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), data[i]);
        }

        return bytes;
    }

    private static byte[] ToBytes(ReadOnlySpan<int> data)
    {
        byte[] bytes = new byte[data.Length * 4];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), data[i]);
        }

        return bytes;
    }

    private sealed record TensorEntry(string Name, int[] Shape, TfLiteTensorType Type, int Buffer, TfLiteQuantization? Quantization);

    private sealed record OperatorEntry(int OpcodeIndex, int[] Inputs, int[] Outputs, TfLiteBuiltinOptions? Options);
}
