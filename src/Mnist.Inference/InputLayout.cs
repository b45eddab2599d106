namespace Mnist.Inference;

/// <summary>
/// How a model declares its image input. All three hold the same 784 floats per image in the same order (one
/// channel), so the classifier passes the caller's buffer unchanged and only the declared shape differs.
/// </summary>
public enum InputLayout
{
    /// <summary>[N,1,28,28], the ONNX contract.</summary>
    Nchw,

    /// <summary>[N,28,28,1], as TFLite-style models declare it.</summary>
    Nhwc,

    /// <summary>[N,28,28] without a channel axis.</summary>
    Hw,

    /// <summary>[N,784], already flattened.</summary>
    Flat,
}
