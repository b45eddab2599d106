namespace Mnist.Engine.Formats.Onnx;

/// <summary>ONNX <c>AttributeProto.AttributeType</c> (values are the wire enum values).</summary>
public enum OnnxAttributeType
{
    /// <summary>Not set: invalid in an attribute.</summary>
    Undefined = 0,
    /// <summary>One float (<c>f</c>).</summary>
    Float = 1,
    /// <summary>One 64-bit integer (<c>i</c>).</summary>
    Int = 2,
    /// <summary>One byte string (<c>s</c>).</summary>
    String = 3,
    /// <summary>One tensor (<c>t</c>).</summary>
    Tensor = 4,
    /// <summary>One sub-graph (<c>g</c>).</summary>
    Graph = 5,
    /// <summary>A list of floats (<c>floats</c>).</summary>
    Floats = 6,
    /// <summary>A list of 64-bit integers (<c>ints</c>).</summary>
    Ints = 7,
    /// <summary>A list of byte strings (<c>strings</c>).</summary>
    Strings = 8,
    /// <summary>A list of tensors (<c>tensors</c>).</summary>
    Tensors = 9,
    /// <summary>A list of sub-graphs (<c>graphs</c>).</summary>
    Graphs = 10,
    /// <summary>One sparse tensor (not read by this code).</summary>
    SparseTensor = 11,
    /// <summary>A list of sparse tensors (not read by this code).</summary>
    SparseTensors = 12,
    /// <summary>One type (not read by this code).</summary>
    TypeProto = 13,
    /// <summary>A list of types (not read by this code).</summary>
    TypeProtos = 14,
}
