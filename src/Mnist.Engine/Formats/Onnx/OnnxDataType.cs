namespace Mnist.Engine.Formats.Onnx;

/// <summary>ONNX <c>TensorProto.DataType</c> element types (values are the wire enum values).</summary>
public enum OnnxDataType
{
    /// <summary>Not set: invalid in a tensor.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE 754 float.</summary>
    Float = 1,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,
    /// <summary>Signed 8-bit integer (the int8 companion's weights).</summary>
    Int8 = 3,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Signed 32-bit integer (quantized biases).</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer (shapes, axes).</summary>
    Int64 = 7,
    /// <summary>UTF-8 string.</summary>
    String = 8,
    /// <summary>Boolean, one byte.</summary>
    Bool = 9,
    /// <summary>16-bit IEEE 754 half.</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE 754 float.</summary>
    Double = 11,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
    /// <summary>Two 32-bit floats.</summary>
    Complex64 = 14,
    /// <summary>Two 64-bit floats.</summary>
    Complex128 = 15,
    /// <summary>bfloat16: the upper half of a 32-bit float.</summary>
    BFloat16 = 16,
}
