using System.Buffers.Binary;
using System.Text;

namespace Mnist.Engine.Formats.Protobuf;

/// <summary>
/// A minimal protobuf wire-format writer. Fields are appended in call order; nested messages are
/// written by a callback into a child writer and then copied with their length prefix, which costs
/// one copy per nesting level and keeps the writer trivially simple (models here are a few MB).
/// </summary>
/// <remarks>
/// Signed int32/int64 are written as two's-complement varints (negative values take ten bytes), as
/// protobuf's <c>int32</c>/<c>int64</c> types specify; zigzag (<c>sint*</c>) is not supported.
/// </remarks>
public sealed class ProtoWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates an empty writer.</summary>
    /// <param name="capacity">Initial buffer size in bytes.</param>
    public ProtoWriter(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _buffer = new byte[Math.Max(capacity, 16)];
    }

    /// <summary>Number of bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Copies the bytes written so far into a new array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Writes a field tag: <c>(field &lt;&lt; 3) | wireType</c> as a varint.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Field number outside 1..2^29-1.</exception>
    public void WriteTag(int field, WireType wireType)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(field, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(field, (1 << 29) - 1);
        WriteRawVarint(((uint)field << 3) | (uint)wireType);
    }

    /// <summary>Writes a bare varint (no tag).</summary>
    public void WriteRawVarint(ulong value)
    {
        EnsureCapacity(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    /// <summary>Writes raw bytes (no tag, no length).</summary>
    public void WriteRawBytes(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Writes an <c>int64</c> field as a varint.</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireType.Varint);
        WriteRawVarint((ulong)value);
    }

    /// <summary>Writes an <c>int32</c> or enum field as a varint (negative values sign-extend to 64 bits).</summary>
    public void WriteInt32(int field, int value) => WriteInt64(field, value);

    /// <summary>Writes a <c>uint64</c> field as a varint.</summary>
    public void WriteUInt64(int field, ulong value)
    {
        WriteTag(field, WireType.Varint);
        WriteRawVarint(value);
    }

    /// <summary>Writes a <c>bool</c> field.</summary>
    public void WriteBool(int field, bool value) => WriteUInt64(field, value ? 1UL : 0UL);

    /// <summary>Writes a <c>fixed32</c> field (four little-endian bytes).</summary>
    public void WriteFixed32(int field, uint value)
    {
        WriteTag(field, WireType.Fixed32);
        EnsureCapacity(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    /// <summary>Writes a <c>fixed64</c> field (eight little-endian bytes).</summary>
    public void WriteFixed64(int field, ulong value)
    {
        WriteTag(field, WireType.Fixed64);
        EnsureCapacity(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    /// <summary>Writes a <c>float</c> field (fixed32, IEEE 754 bits).</summary>
    public void WriteFloat(int field, float value) => WriteFixed32(field, BitConverter.SingleToUInt32Bits(value));

    /// <summary>Writes a <c>double</c> field (fixed64, IEEE 754 bits).</summary>
    public void WriteDouble(int field, double value) => WriteFixed64(field, BitConverter.DoubleToUInt64Bits(value));

    /// <summary>Writes a <c>bytes</c> field: tag, length, bytes.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteRawVarint((ulong)value.Length);
        WriteRawBytes(value);
    }

    /// <summary>Writes a <c>string</c> field as UTF-8.</summary>
    public void WriteString(int field, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteBytes(field, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Writes an embedded message field whose body <paramref name="writeBody"/> produces.</summary>
    public void WriteMessage(int field, Action<ProtoWriter> writeBody)
    {
        ArgumentNullException.ThrowIfNull(writeBody);
        var child = new ProtoWriter();
        writeBody(child);
        WriteBytes(field, child.WrittenSpan);
    }

    /// <summary>Writes a packed repeated <c>int64</c> field (nothing when empty).</summary>
    public void WritePackedInt64(int field, ReadOnlySpan<long> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        var body = new ProtoWriter(values.Length * 2);
        foreach (long v in values)
        {
            body.WriteRawVarint((ulong)v);
        }

        WriteBytes(field, body.WrittenSpan);
    }

    /// <summary>Writes a packed repeated <c>int32</c> field (nothing when empty).</summary>
    public void WritePackedInt32(int field, ReadOnlySpan<int> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        var body = new ProtoWriter(values.Length * 2);
        foreach (int v in values)
        {
            body.WriteRawVarint((ulong)(long)v);
        }

        WriteBytes(field, body.WrittenSpan);
    }

    /// <summary>Writes a packed repeated <c>float</c> field (nothing when empty).</summary>
    public void WritePackedFloat(int field, ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        WriteTag(field, WireType.LengthDelimited);
        WriteRawVarint((ulong)values.Length * 4);
        EnsureCapacity(values.Length * 4);
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(_length), v);
            _length += 4;
        }
    }

    /// <summary>Writes a packed repeated <c>double</c> field (nothing when empty).</summary>
    public void WritePackedDouble(int field, ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        WriteTag(field, WireType.LengthDelimited);
        WriteRawVarint((ulong)values.Length * 8);
        EnsureCapacity(values.Length * 8);
        foreach (double v in values)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_length), v);
            _length += 8;
        }
    }

    private void EnsureCapacity(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        long wanted = Math.Max((long)_buffer.Length * 2, (long)_length + extra);
        if (wanted > Array.MaxLength)
        {
            throw new InvalidOperationException("Protobuf message exceeds the maximum array size.");
        }

        Array.Resize(ref _buffer, (int)wanted);
    }
}
