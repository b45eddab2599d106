namespace Mnist.Engine.Formats.TfLite;

/// <summary>TFLite <c>BuiltinOperator</c> codes used by MNIST networks (values are the schema's).</summary>
public enum TfLiteBuiltinOperator
{
    Add = 0,
    AveragePool2D = 1,
    Concatenation = 2,
    Conv2D = 3,
    DepthwiseConv2D = 4,
    Dequantize = 6,
    FullyConnected = 9,
    Logistic = 14,
    MaxPool2D = 17,
    Mul = 18,
    Relu = 19,
    Relu6 = 21,
    Reshape = 22,
    Softmax = 25,
    Tanh = 28,
    Pad = 34,
    Transpose = 39,
    Mean = 40,
    Sub = 41,
    Quantize = 114,

    /// <summary>The value <c>deprecated_builtin_code</c> holds for every operator code ≥ 127.</summary>
    PlaceholderForGreaterOpCodes = 127,
}

/// <summary>TFLite <c>TensorType</c> (values are the schema's).</summary>
public enum TfLiteTensorType : byte
{
    Float32 = 0,
    Float16 = 1,
    Int32 = 2,
    UInt8 = 3,
    Int64 = 4,
    Int16 = 7,
    Int8 = 9,
}

/// <summary>TFLite <c>Padding</c>.</summary>
public enum TfLitePadding : byte
{
    /// <summary>Output size ceil(in / stride); zero padding split with the extra pixel after.</summary>
    Same = 0,

    /// <summary>No padding; output size ceil((in − k + 1) / stride).</summary>
    Valid = 1,
}

/// <summary>TFLite <c>ActivationFunctionType</c> fused into conv, pool, fully-connected and add.</summary>
public enum TfLiteActivation : byte
{
    None = 0,
    Relu = 1,
    ReluN1To1 = 2,
    Relu6 = 3,
    Tanh = 4,
}

/// <summary>The <c>BuiltinOptions</c> union discriminants (<c>builtin_options_type</c>) this code writes.</summary>
public enum TfLiteOptionsType : byte
{
    None = 0,
    Conv2DOptions = 1,
    Pool2DOptions = 5,
    FullyConnectedOptions = 8,
    SoftmaxOptions = 9,
    AddOptions = 11,
    ReshapeOptions = 17,
    MulOptions = 21,
    TransposeOptions = 26,
    DequantizeOptions = 38,
    QuantizeOptions = 89,
}
