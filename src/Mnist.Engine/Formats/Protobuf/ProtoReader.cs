using System.Buffers.Binary;
using System.Text;

namespace Mnist.Engine.Formats.Protobuf;

/// <summary>
/// A minimal forward-only protobuf wire-format reader over a span. Typical use:
/// <code>
/// var r = new ProtoReader(bytes);
/// while (r.TryReadTag(out int field, out WireType wt))
/// {
///     switch (field) { case 1: x = r.ReadInt64(); break; default: r.SkipField(wt); break; }
/// }
/// </code>
/// Malformed input (truncated varints, lengths past the end, bad wire types) throws
/// <see cref="InvalidDataException"/>.
/// </summary>
public ref struct ProtoReader
{
    /// <summary>
    /// How deep groups may nest inside one message; deeper input is refused. The same limit as the reference protobuf
    /// implementations' default recursion limit (100); ONNX itself never uses groups.
    /// </summary>
    public const int MaxNestingDepth = 100;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Creates a reader over one message body.</summary>
    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Current byte offset inside the message.</summary>
    public readonly int Position => _position;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool IsAtEnd => _position >= _data.Length;

    /// <summary>Reads the next field tag; false at the end of the message.</summary>
    /// <exception cref="InvalidDataException">Field number 0 or an unknown wire type.</exception>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (IsAtEnd)
        {
            field = 0;
            wireType = default;
            return false;
        }

        ulong tag = ReadRawVarint();
        field = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue || (int)wireType > 5)
        {
            throw new InvalidDataException($"Invalid protobuf tag {tag} at offset {_position}.");
        }

        return true;
    }

    /// <summary>Reads a bare varint.</summary>
    public ulong ReadRawVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new InvalidDataException("Truncated protobuf varint.");
            }

            byte b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("Protobuf varint longer than ten bytes.");
    }

    /// <summary>Reads an <c>int64</c> varint value.</summary>
    public long ReadInt64() => (long)ReadRawVarint();

    /// <summary>Reads an <c>int32</c> or enum varint value (truncated to 32 bits as protobuf specifies).</summary>
    public int ReadInt32() => (int)ReadRawVarint();

    /// <summary>Reads a <c>uint64</c> varint value.</summary>
    public ulong ReadUInt64() => ReadRawVarint();

    /// <summary>Reads a <c>bool</c> varint value.</summary>
    public bool ReadBool() => ReadRawVarint() != 0;

    /// <summary>Reads four little-endian bytes.</summary>
    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>Reads eight little-endian bytes.</summary>
    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>Reads a <c>float</c> (fixed32).</summary>
    public float ReadFloat() => BitConverter.UInt32BitsToSingle(ReadFixed32());

    /// <summary>Reads a <c>double</c> (fixed64).</summary>
    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadFixed64());

    /// <summary>Reads a length-delimited payload (bytes, string or embedded message) without copying.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        ulong length = ReadRawVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException($"Protobuf length {length} runs past the end of the message.");
        }

        return Take((int)length);
    }

    /// <summary>Reads a UTF-8 <c>string</c>.</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadLengthDelimited());

    /// <summary>Reads a <c>bytes</c> value into a new array.</summary>
    public byte[] ReadBytes() => ReadLengthDelimited().ToArray();

    /// <summary>Skips the value of a field whose tag was just read (unknown fields, groups included).</summary>
    public void SkipField(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadRawVarint();
                break;
            case WireType.Fixed64:
                Take(8);
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.Fixed32:
                Take(4);
                break;
            case WireType.StartGroup:
                SkipGroup();
                break;
            default:
                throw new InvalidDataException($"Unexpected protobuf wire type {wireType}.");
        }
    }

    /// <summary>
    /// Skips the rest of a group whose start tag was just read. Iterative, with a depth limit: a file of nothing but
    /// start-group tags (one byte each) must not recurse once per byte, which overflowed the stack and killed the
    /// process before any exception handler could run.
    /// </summary>
    private void SkipGroup()
    {
        int depth = 1;
        while (depth > 0)
        {
            if (!TryReadTag(out _, out WireType inner))
            {
                throw new InvalidDataException("Unterminated protobuf group.");
            }

            switch (inner)
            {
                case WireType.StartGroup:
                    if (++depth > MaxNestingDepth)
                    {
                        throw new InvalidDataException($"Protobuf groups nested deeper than {MaxNestingDepth} levels.");
                    }

                    break;
                case WireType.EndGroup:
                    depth--;
                    break;
                default:
                    SkipField(inner); // not a group here, so this does not recurse
                    break;
            }
        }
    }

    /// <summary>
    /// Reads one occurrence of a repeated <c>int64</c> field, packed or not (parsers must accept both),
    /// appending to <paramref name="into"/>.
    /// </summary>
    public void ReadRepeatedInt64(WireType wireType, List<long> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (wireType == WireType.LengthDelimited)
        {
            var packed = new ProtoReader(ReadLengthDelimited());
            while (!packed.IsAtEnd)
            {
                into.Add(packed.ReadInt64());
            }
        }
        else
        {
            Expect(wireType, WireType.Varint);
            into.Add(ReadInt64());
        }
    }

    /// <summary>Reads one occurrence of a repeated <c>int32</c> field, packed or not.</summary>
    public void ReadRepeatedInt32(WireType wireType, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (wireType == WireType.LengthDelimited)
        {
            var packed = new ProtoReader(ReadLengthDelimited());
            while (!packed.IsAtEnd)
            {
                into.Add(packed.ReadInt32());
            }
        }
        else
        {
            Expect(wireType, WireType.Varint);
            into.Add(ReadInt32());
        }
    }

    /// <summary>Reads one occurrence of a repeated <c>float</c> field, packed or not.</summary>
    public void ReadRepeatedFloat(WireType wireType, List<float> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (wireType == WireType.LengthDelimited)
        {
            ReadOnlySpan<byte> bytes = ReadLengthDelimited();
            if (bytes.Length % 4 != 0)
            {
                throw new InvalidDataException("Packed float field length is not a multiple of 4.");
            }

            for (int i = 0; i < bytes.Length; i += 4)
            {
                into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i, 4)));
            }
        }
        else
        {
            Expect(wireType, WireType.Fixed32);
            into.Add(ReadFloat());
        }
    }

    /// <summary>Reads one occurrence of a repeated <c>double</c> field, packed or not.</summary>
    public void ReadRepeatedDouble(WireType wireType, List<double> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (wireType == WireType.LengthDelimited)
        {
            ReadOnlySpan<byte> bytes = ReadLengthDelimited();
            if (bytes.Length % 8 != 0)
            {
                throw new InvalidDataException("Packed double field length is not a multiple of 8.");
            }

            for (int i = 0; i < bytes.Length; i += 8)
            {
                into.Add(BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i, 8)));
            }
        }
        else
        {
            Expect(wireType, WireType.Fixed64);
            into.Add(ReadDouble());
        }
    }

    /// <summary>Throws unless the field's wire type is the expected one.</summary>
    public static void Expect(WireType actual, WireType expected)
    {
        if (actual != expected)
        {
            throw new InvalidDataException($"Protobuf wire type {actual} where {expected} was expected.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw new InvalidDataException("Truncated protobuf message.");
        }

        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
