namespace Mnist.Engine.Formats.Onnx;

/// <summary>
/// ONNX <c>AttributeProto</c> subset: a named scalar, string, tensor or list. Exactly the value field
/// that <see cref="Type"/> names is written (the checker rejects attributes with several).
/// Graph-valued attributes are not supported (MNIST networks have no control flow).
/// </summary>
public sealed class AttributeProto
{
    /// <summary>Attribute name (field 1).</summary>
    public string Name { get; set; } = "";

    /// <summary>Which value field is in use (field 20).</summary>
    public OnnxAttributeType Type { get; set; }

    /// <summary>Float value (field 2).</summary>
    public float F { get; set; }

    /// <summary>Integer value (field 3).</summary>
    public long I { get; set; }

    /// <summary>Bytes/UTF-8 string value (field 4).</summary>
    public byte[] S { get; set; } = [];

    /// <summary>Tensor value (field 5).</summary>
    public TensorProto? T { get; set; }

    /// <summary>Float list (field 7).</summary>
    public List<float> Floats { get; } = [];

    /// <summary>Integer list (field 8).</summary>
    public List<long> Ints { get; } = [];

    /// <summary>Byte-string list (field 9).</summary>
    public List<byte[]> Strings { get; } = [];

    /// <summary>Documentation (field 13).</summary>
    public string DocString { get; set; } = "";

    /// <summary><see cref="S"/> decoded as UTF-8.</summary>
    public string StringValue => System.Text.Encoding.UTF8.GetString(S);

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = OnnxAttributeType.Int, I = value };

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = OnnxAttributeType.Float, F = value };

    /// <summary>A STRING attribute (UTF-8).</summary>
    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = OnnxAttributeType.String, S = System.Text.Encoding.UTF8.GetBytes(value) };

    /// <summary>A TENSOR attribute, e.g. Constant's <c>value</c>.</summary>
    public static AttributeProto Tensor(string name, TensorProto value) => new() { Name = name, Type = OnnxAttributeType.Tensor, T = value };

    /// <summary>An INTS attribute, e.g. <c>kernel_shape</c>.</summary>
    public static AttributeProto IntList(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = OnnxAttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A FLOATS attribute.</summary>
    public static AttributeProto FloatList(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = OnnxAttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    /// <summary>A STRINGS attribute (each UTF-8).</summary>
    public static AttributeProto StringList(string name, params string[] values)
    {
        var a = new AttributeProto { Name = name, Type = OnnxAttributeType.Strings };
        foreach (string s in values)
        {
            a.Strings.Add(System.Text.Encoding.UTF8.GetBytes(s));
        }

        return a;
    }

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        OnnxAttributeType.Float => $"{Name}={F}",
        OnnxAttributeType.Int => $"{Name}={I}",
        OnnxAttributeType.String => $"{Name}=\"{StringValue}\"",
        OnnxAttributeType.Tensor => $"{Name}=<tensor {T?.DataType} [{string.Join(",", T?.Dims ?? [])}]>",
        OnnxAttributeType.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        OnnxAttributeType.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        _ => $"{Name}:{Type}",
    };
}
