namespace Mnist.Engine.Formats.Onnx;

/// <summary>ONNX <c>ValueInfoProto</c>: a named, typed value (graph input/output or intermediate).</summary>
public sealed class ValueInfoProto
{
    /// <summary>Value name (field 1).</summary>
    public string Name { get; set; } = "";

    /// <summary>Type (field 2); null when absent or not a tensor type.</summary>
    public TypeProto? Type { get; set; }

    /// <summary>Documentation (field 3).</summary>
    public string DocString { get; set; } = "";

    /// <summary>A float/int tensor value with the given dimensions.</summary>
    public static ValueInfoProto CreateTensor(string name, OnnxDataType elemType, params OnnxDim[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TensorTypeProto { ElemType = elemType, Shape = shape } },
        };
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Type?.TensorType is { } t ? $"{Name}: {t.ElemType}[{(t.Shape is null ? "?" : string.Join(",", t.Shape.Dim))}]" : Name;
}

/// <summary>ONNX <c>TypeProto</c> subset: only the tensor alternative (field 1) and denotation (field 6).</summary>
public sealed class TypeProto
{
    /// <summary>Tensor type (field 1); null for sequence/map/optional types, which are not supported.</summary>
    public TensorTypeProto? TensorType { get; set; }

    /// <summary>Type denotation (field 6).</summary>
    public string Denotation { get; set; } = "";
}

/// <summary>ONNX <c>TypeProto.Tensor</c>: element type (field 1) and shape (field 2).</summary>
public sealed class TensorTypeProto
{
    /// <summary>Element type (field 1).</summary>
    public OnnxDataType ElemType { get; set; }

    /// <summary>Shape (field 2); null means unknown rank.</summary>
    public TensorShapeProto? Shape { get; set; }
}

/// <summary>ONNX <c>TensorShapeProto</c>: a list of dimensions (field 1).</summary>
public sealed class TensorShapeProto
{
    /// <summary>Dimensions, outermost first.</summary>
    public List<OnnxDim> Dim { get; } = [];
}

/// <summary>
/// ONNX <c>TensorShapeProto.Dimension</c>: a fixed size (<c>dim_value</c>, field 1), a symbolic name
/// (<c>dim_param</c>, field 2, e.g. the batch <c>"N"</c>) or neither (unknown).
/// Converts implicitly from <see cref="long"/>/<see cref="int"/> (fixed) and <see cref="string"/> (symbolic).
/// </summary>
public readonly record struct OnnxDim(long? Value, string? Param, string Denotation = "")
{
    /// <summary>A fixed dimension.</summary>
    public static implicit operator OnnxDim(long value) => new(value, null);

    /// <summary>A fixed dimension.</summary>
    public static implicit operator OnnxDim(int value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static implicit operator OnnxDim(string param) => new(null, param);

    /// <summary>A fixed dimension.</summary>
    public static OnnxDim FromInt64(long value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static OnnxDim FromString(string param) => new(null, param);

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}
