namespace Mnist.Engine.Formats.Onnx;

/// <summary>Loads and saves ONNX model files (<c>.onnx</c>, a serialized <see cref="ModelProto"/>).</summary>
public static class OnnxModel
{
    /// <summary>Reads an ONNX file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf message.</exception>
    /// <exception cref="NotSupportedException">The model stores tensors as external data.</exception>
    public static ModelProto Load(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Decodes ONNX bytes. Unknown fields are skipped.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf message.</exception>
    public static ModelProto Parse(ReadOnlySpan<byte> bytes) => OnnxCodec.Decode(bytes);

    /// <summary>Encodes a model to bytes.</summary>
    public static byte[] Serialize(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return OnnxCodec.Encode(model);
    }

    /// <summary>Writes a model to <paramref name="path"/>.</summary>
    public static void Save(ModelProto model, string path) => File.WriteAllBytes(path, Serialize(model));
}
