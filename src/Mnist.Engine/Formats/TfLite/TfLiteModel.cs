namespace Mnist.Engine.Formats.TfLite;

/// <summary>A TFLite tensor as read back from a file.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">Shape, e.g. <c>[1,28,28,1]</c> (NHWC).</param>
/// <param name="Type">Element type.</param>
/// <param name="Buffer">Index into <see cref="TfLiteModel.Buffers"/>; 0 (the empty sentinel) for activations.</param>
/// <param name="Quantization">Quantization parameters, or null.</param>
public sealed record TfLiteTensor(string Name, int[] Shape, TfLiteTensorType Type, int Buffer, TfLiteQuantization? Quantization);

/// <summary>A TFLite operator code entry.</summary>
/// <param name="DeprecatedBuiltinCode">Field 0 (int8): the code, or 127 when the code is ≥ 127.</param>
/// <param name="BuiltinCode">Field 3 (int32): the code, or 0 in files written before the field existed.</param>
/// <param name="Version">Operator version (field 2).</param>
public sealed record TfLiteOperatorCode(int DeprecatedBuiltinCode, int BuiltinCode, int Version)
{
    /// <summary>The effective code: the larger of the two fields, as the schema's compatibility rule prescribes.</summary>
    public TfLiteBuiltinOperator Operator => (TfLiteBuiltinOperator)Math.Max(DeprecatedBuiltinCode, BuiltinCode);
}

/// <summary>A TFLite operator as read back from a file.</summary>
public sealed record TfLiteOperator(int OpcodeIndex, int[] Inputs, int[] Outputs, TfLiteOptionsType OptionsType, TfLiteBuiltinOptions? Options);

/// <summary>
/// A TFLite model read back from a FlatBuffer (first subgraph only): enough to check what the
/// builder wrote. Use <see cref="Parse"/>.
/// </summary>
public sealed class TfLiteModel
{
    /// <summary>Schema version (3).</summary>
    public int Version { get; init; }

    /// <summary>Model description string.</summary>
    public string? Description { get; init; }

    /// <summary>Operator codes.</summary>
    public IReadOnlyList<TfLiteOperatorCode> OperatorCodes { get; init; } = [];

    /// <summary>Number of subgraphs in the file.</summary>
    public int SubgraphCount { get; init; }

    /// <summary>Name of the first subgraph.</summary>
    public string? SubgraphName { get; init; }

    /// <summary>Tensors of the first subgraph.</summary>
    public IReadOnlyList<TfLiteTensor> Tensors { get; init; } = [];

    /// <summary>Input tensor indices of the first subgraph.</summary>
    public IReadOnlyList<int> Inputs { get; init; } = [];

    /// <summary>Output tensor indices of the first subgraph.</summary>
    public IReadOnlyList<int> Outputs { get; init; } = [];

    /// <summary>Operators of the first subgraph, in execution order.</summary>
    public IReadOnlyList<TfLiteOperator> Operators { get; init; } = [];

    /// <summary>Buffer contents; buffer 0 is the empty sentinel.</summary>
    public IReadOnlyList<byte[]> Buffers { get; init; } = [];

    /// <summary>Metadata entries (name → buffer index).</summary>
    public IReadOnlyDictionary<string, int> Metadata { get; init; } = new Dictionary<string, int>();

    /// <summary>The data of tensor <paramref name="tensorIndex"/> as little-endian floats.</summary>
    public float[] GetFloatData(int tensorIndex)
    {
        byte[] data = Buffers[Tensors[tensorIndex].Buffer];
        float[] r = new float[data.Length / 4];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(i * 4));
        }

        return r;
    }

    /// <summary>Parses a <c>.tflite</c> FlatBuffer.</summary>
    /// <exception cref="InvalidDataException">Not a TFLite file ("TFL3" identifier) or malformed.</exception>
    public static TfLiteModel Parse(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var r = new FlatBufferReader(bytes);
        if (r.FileIdentifier != TfLiteModelBuilder.FileIdentifier)
        {
            throw new InvalidDataException($"Not a TFLite model: file identifier '{r.FileIdentifier}', expected 'TFL3'.");
        }

        int model = r.RootTable;
        var codes = r.GetTables(model, 1)
            .Select(c => new TfLiteOperatorCode((sbyte)r.GetByte(c, 0), r.GetInt32(c, 3), r.GetInt32(c, 2, 1)))
            .ToArray();
        var buffers = r.GetTables(model, 4).Select(b => r.GetBytes(b, 0)).ToArray();
        var metadata = new Dictionary<string, int>();
        foreach (int m in r.GetTables(model, 6))
        {
            // A repeated name is the file's choice, not a reason to fail with ArgumentException: the last one wins.
            metadata[r.GetString(m, 0) ?? ""] = r.GetInt32(m, 1);
        }

        int[] subgraphs = r.GetTables(model, 2);
        if (subgraphs.Length == 0)
        {
            throw new InvalidDataException("TFLite model has no subgraph.");
        }

        int sg = subgraphs[0];
        var tensors = r.GetTables(sg, 0).Select(t =>
        {
            TfLiteQuantization? q = null;
            if (r.GetTable(t, 4) is int qt && r.Has(qt, 2))
            {
                q = new TfLiteQuantization(r.GetFloats(qt, 2), r.GetInt64s(qt, 3), r.GetInt32(qt, 6));
            }

            return new TfLiteTensor(r.GetString(t, 3) ?? "", r.GetInt32s(t, 0), (TfLiteTensorType)r.GetByte(t, 1), r.GetInt32(t, 2), q);
        }).ToArray();
        var operators = r.GetTables(sg, 3).Select(o =>
        {
            var type = (TfLiteOptionsType)r.GetByte(o, 3);
            TfLiteBuiltinOptions? options = r.GetTable(o, 4) is int ot ? TfLiteBuiltinOptions.Read(r, type, ot) : null;
            return new TfLiteOperator(r.GetInt32(o, 0), r.GetInt32s(o, 1), r.GetInt32s(o, 2), type, options);
        }).ToArray();

        return new TfLiteModel
        {
            Version = r.GetInt32(model, 0),
            Description = r.GetString(model, 3),
            OperatorCodes = codes,
            SubgraphCount = subgraphs.Length,
            SubgraphName = r.GetString(sg, 4),
            Tensors = tensors,
            Inputs = r.GetInt32s(sg, 1),
            Outputs = r.GetInt32s(sg, 2),
            Operators = operators,
            Buffers = buffers,
            Metadata = metadata,
        };
    }
}
