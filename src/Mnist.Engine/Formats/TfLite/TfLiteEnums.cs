namespace Mnist.Engine.Formats.TfLite;

/// <summary>TFLite <c>BuiltinOperator</c> codes used by MNIST networks (values are the schema's).</summary>
public enum TfLiteBuiltinOperator
{
    /// <summary>ADD: element-wise sum.</summary>
    Add = 0,
    /// <summary>AVERAGE_POOL_2D.</summary>
    AveragePool2D = 1,
    /// <summary>CONCATENATION.</summary>
    Concatenation = 2,
    /// <summary>CONV_2D: convolution, NHWC.</summary>
    Conv2D = 3,
    /// <summary>DEPTHWISE_CONV_2D.</summary>
    DepthwiseConv2D = 4,
    /// <summary>DEQUANTIZE: int8 to float.</summary>
    Dequantize = 6,
    /// <summary>FULLY_CONNECTED: a Linear layer.</summary>
    FullyConnected = 9,
    /// <summary>LOGISTIC: the sigmoid.</summary>
    Logistic = 14,
    /// <summary>MAX_POOL_2D.</summary>
    MaxPool2D = 17,
    /// <summary>MUL: element-wise product.</summary>
    Mul = 18,
    /// <summary>RELU.</summary>
    Relu = 19,
    /// <summary>RELU6.</summary>
    Relu6 = 21,
    /// <summary>RESHAPE.</summary>
    Reshape = 22,
    /// <summary>SOFTMAX.</summary>
    Softmax = 25,
    /// <summary>TANH.</summary>
    Tanh = 28,
    /// <summary>PAD.</summary>
    Pad = 34,
    /// <summary>TRANSPOSE.</summary>
    Transpose = 39,
    /// <summary>MEAN: average over axes.</summary>
    Mean = 40,
    /// <summary>SUB: element-wise difference.</summary>
    Sub = 41,
    /// <summary>QUANTIZE: float to int8.</summary>
    Quantize = 114,

    /// <summary>The value <c>deprecated_builtin_code</c> holds for every operator code ≥ 127.</summary>
    PlaceholderForGreaterOpCodes = 127,
}

/// <summary>TFLite <c>TensorType</c> (values are the schema's).</summary>
public enum TfLiteTensorType : byte
{
    /// <summary>32-bit float.</summary>
    Float32 = 0,
    /// <summary>16-bit float.</summary>
    Float16 = 1,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 2,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 3,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 7,
    /// <summary>Signed 8-bit integer.</summary>
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
    /// <summary>No activation.</summary>
    None = 0,
    /// <summary>max(x, 0).</summary>
    Relu = 1,
    /// <summary>clamp(x, −1, 1).</summary>
    ReluN1To1 = 2,
    /// <summary>clamp(x, 0, 6).</summary>
    Relu6 = 3,
    /// <summary>tanh(x).</summary>
    Tanh = 4,
}

/// <summary>The <c>BuiltinOptions</c> union discriminants (<c>builtin_options_type</c>) this code writes.</summary>
public enum TfLiteOptionsType : byte
{
    /// <summary>No options table.</summary>
    None = 0,
    /// <summary><c>Conv2DOptions</c> (CONV_2D).</summary>
    Conv2DOptions = 1,
    /// <summary><c>Pool2DOptions</c> (the pools).</summary>
    Pool2DOptions = 5,
    /// <summary><c>FullyConnectedOptions</c>.</summary>
    FullyConnectedOptions = 8,
    /// <summary><c>SoftmaxOptions</c>.</summary>
    SoftmaxOptions = 9,
    /// <summary><c>AddOptions</c>.</summary>
    AddOptions = 11,
    /// <summary><c>ReshapeOptions</c>.</summary>
    ReshapeOptions = 17,
    /// <summary><c>MulOptions</c>.</summary>
    MulOptions = 21,
    /// <summary><c>TransposeOptions</c>.</summary>
    TransposeOptions = 26,
    /// <summary><c>DequantizeOptions</c>.</summary>
    DequantizeOptions = 38,
    /// <summary><c>QuantizeOptions</c>.</summary>
    QuantizeOptions = 89,
}
