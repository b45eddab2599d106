using System.Buffers.Binary;

namespace Mnist.Engine.Formats.Onnx;

/// <summary>
/// ONNX <c>TensorProto</c> subset: dims, element type, name and data either as little-endian
/// <c>raw_data</c> or in the typed repeated fields. External data and segments are not supported.
/// </summary>
public sealed class TensorProto
{
    /// <summary>Dimensions (field 1); empty for a scalar.</summary>
    public List<long> Dims { get; } = [];

    /// <summary>Element type (field 2).</summary>
    public OnnxDataType DataType { get; set; }

    /// <summary>Typed float data (field 4), when <see cref="RawData"/> is not used.</summary>
    public List<float> FloatData { get; } = [];

    /// <summary>Typed int32 data (field 5): INT32, and also INT8/UINT8/INT16/UINT16/BOOL/FLOAT16 per the spec.</summary>
    public List<int> Int32Data { get; } = [];

    /// <summary>Typed int64 data (field 7).</summary>
    public List<long> Int64Data { get; } = [];

    /// <summary>Typed double data (field 10).</summary>
    public List<double> DoubleData { get; } = [];

    /// <summary>Tensor name (field 8): the value name for initializers.</summary>
    public string Name { get; set; } = "";

    /// <summary>Documentation (field 12).</summary>
    public string DocString { get; set; } = "";

    /// <summary>Little-endian packed element bytes (field 9), or null when the typed fields hold the data.</summary>
    public byte[]? RawData { get; set; }

    /// <summary>Product of <see cref="Dims"/> (1 for a scalar).</summary>
    /// <exception cref="InvalidDataException">A negative dimension, or more elements than an array can hold: the dims
    /// come from the file, so a product that wraps around (e.g. 2^32 · 2^32 = 0) must not pass for a small tensor.</exception>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Dims)
            {
                if (d < 0 || d > Array.MaxLength)
                {
                    throw new InvalidDataException($"Tensor '{Name}' has dimension {d} in [{string.Join(",", Dims)}].");
                }

                n *= d;
                if (n > Array.MaxLength)
                {
                    throw new InvalidDataException($"Tensor '{Name}' with dims [{string.Join(",", Dims)}] has more elements than an array can hold.");
                }
            }

            return n;
        }
    }

    /// <summary>A FLOAT tensor stored in <c>raw_data</c>.</summary>
    /// <exception cref="ArgumentException">The data length does not match the dimensions.</exception>
    public static TensorProto FromFloats(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> data)
    {
        var t = new TensorProto { Name = name, DataType = OnnxDataType.Float };
        t.Dims.AddRange(dims);
        CheckCount(t, data.Length);
        byte[] raw = new byte[data.Length * sizeof(float)];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), data[i]);
        }

        t.RawData = raw;
        return t;
    }

    /// <summary>An INT64 tensor stored in <c>int64_data</c> (as used for Reshape shapes).</summary>
    /// <exception cref="ArgumentException">The data length does not match the dimensions.</exception>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> data)
    {
        var t = new TensorProto { Name = name, DataType = OnnxDataType.Int64 };
        t.Dims.AddRange(dims);
        CheckCount(t, data.Length);
        t.Int64Data.AddRange(data);
        return t;
    }

    /// <summary>A UINT8 tensor stored in <c>raw_data</c> (quantized activations' zero points).</summary>
    /// <exception cref="ArgumentException">The data length does not match the dimensions.</exception>
    public static TensorProto FromUInt8s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<byte> data)
    {
        var t = new TensorProto { Name = name, DataType = OnnxDataType.UInt8 };
        t.Dims.AddRange(dims);
        CheckCount(t, data.Length);
        t.RawData = data.ToArray();
        return t;
    }

    /// <summary>An INT8 tensor stored in <c>raw_data</c> (quantized weights).</summary>
    /// <exception cref="ArgumentException">The data length does not match the dimensions.</exception>
    public static TensorProto FromInt8s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<sbyte> data)
    {
        var t = new TensorProto { Name = name, DataType = OnnxDataType.Int8 };
        t.Dims.AddRange(dims);
        CheckCount(t, data.Length);
        t.RawData = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).ToArray();
        return t;
    }

    /// <summary>An INT32 tensor stored in <c>raw_data</c> (quantized biases).</summary>
    /// <exception cref="ArgumentException">The data length does not match the dimensions.</exception>
    public static TensorProto FromInt32s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<int> data)
    {
        var t = new TensorProto { Name = name, DataType = OnnxDataType.Int32 };
        t.Dims.AddRange(dims);
        CheckCount(t, data.Length);
        byte[] raw = new byte[data.Length * sizeof(int)];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(i * 4), data[i]);
        }

        t.RawData = raw;
        return t;
    }

    /// <summary>The elements of a FLOAT (or DOUBLE, narrowed) tensor, from raw or typed data.</summary>
    /// <exception cref="InvalidDataException">Another element type, or a size mismatch.</exception>
    public float[] ToFloatArray()
    {
        long count = ElementCount;
        float[] result;
        switch (DataType)
        {
            case OnnxDataType.Float when RawData is not null:
                CheckRaw(count, 4);
                result = new float[count];
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = BinaryPrimitives.ReadSingleLittleEndian(RawData.AsSpan(i * 4));
                }

                return result;
            case OnnxDataType.Float:
                CheckTyped(count, FloatData.Count);
                return [.. FloatData];
            case OnnxDataType.Double when RawData is not null:
                CheckRaw(count, 8);
                result = new float[count];
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(RawData.AsSpan(i * 8));
                }

                return result;
            case OnnxDataType.Double:
                CheckTyped(count, DoubleData.Count);
                return [.. DoubleData.Select(d => (float)d)];
            default:
                throw new InvalidDataException($"Tensor '{Name}' has element type {DataType}, not FLOAT.");
        }
    }

    /// <summary>The elements of an INT64/INT32/INT8/UINT8 tensor widened to <see cref="long"/>.</summary>
    /// <exception cref="InvalidDataException">Another element type, or a size mismatch.</exception>
    public long[] ToInt64Array()
    {
        long count = ElementCount;
        switch (DataType)
        {
            case OnnxDataType.Int64 when RawData is not null:
                CheckRaw(count, 8);
                long[] r64 = new long[count];
                for (int i = 0; i < r64.Length; i++)
                {
                    r64[i] = BinaryPrimitives.ReadInt64LittleEndian(RawData.AsSpan(i * 8));
                }

                return r64;
            case OnnxDataType.Int64:
                CheckTyped(count, Int64Data.Count);
                return [.. Int64Data];
            case OnnxDataType.Int32 when RawData is not null:
                CheckRaw(count, 4);
                long[] r32 = new long[count];
                for (int i = 0; i < r32.Length; i++)
                {
                    r32[i] = BinaryPrimitives.ReadInt32LittleEndian(RawData.AsSpan(i * 4));
                }

                return r32;
            case OnnxDataType.Int8 when RawData is not null:
                CheckRaw(count, 1);
                return [.. RawData.Select(b => (long)(sbyte)b)];
            case OnnxDataType.UInt8 when RawData is not null:
                CheckRaw(count, 1);
                return [.. RawData.Select(b => (long)b)];
            case OnnxDataType.Int32 or OnnxDataType.Int8 or OnnxDataType.UInt8:
                CheckTyped(count, Int32Data.Count);
                return [.. Int32Data.Select(v => (long)v)];
            default:
                throw new InvalidDataException($"Tensor '{Name}' has element type {DataType}, not an integer type.");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {DataType}[{string.Join(",", Dims)}]";

    private static void CheckCount(TensorProto t, int length)
    {
        if (t.ElementCount != length)
        {
            throw new ArgumentException($"Tensor '{t.Name}' has dims [{string.Join(",", t.Dims)}] ({t.ElementCount} elements) but {length} values.");
        }
    }

    private void CheckRaw(long count, int elementSize)
    {
        if (RawData!.LongLength != count * elementSize)
        {
            throw new InvalidDataException($"Tensor '{Name}': raw_data has {RawData.Length} bytes, expected {count} x {elementSize}.");
        }
    }

    private void CheckTyped(long count, int actual)
    {
        if (actual != count)
        {
            throw new InvalidDataException($"Tensor '{Name}': {actual} typed values, expected {count}.");
        }
    }
}
