using System.Buffers.Binary;
using System.Text;

namespace Mnist.Engine.Formats.TfLite;

/// <summary>
/// A minimal FlatBuffers builder. Like the reference design it fills the buffer from the back:
/// children are written before their parents, so every <c>uoffset</c> points forward. An object's
/// handle is its distance from the end of the buffer, which stays valid as the buffer grows.
/// </summary>
/// <remarks>
/// Layout facts used (FlatBuffers binary format): little-endian scalars aligned to their size;
/// tables start with an <c>int32</c> soffset back to their vtable (vtable = table − soffset);
/// a vtable is <c>uint16</c> [vtable bytes, table bytes, field offsets…], field <c>i</c> at slot
/// <c>4 + 2i</c>, offset 0 meaning "absent, use the default"; vectors and strings are a
/// <c>uint32</c> count followed by elements (strings add a NUL); the buffer starts with the root
/// <c>uoffset</c> and an optional four-byte file identifier. Vtables are not deduplicated.
/// </remarks>
internal sealed class FlatBufferWriter
{
    private byte[] _buffer;
    private int _space; // bytes still free at the front of _buffer
    private int _minAlign = 1;
    private int[]? _fieldOffsets;
    private int _fieldCount;
    private int _tableStart;

    public FlatBufferWriter(int capacity = 1024)
    {
        _buffer = new byte[Math.Max(capacity, 64)];
        _space = _buffer.Length;
    }

    /// <summary>Bytes written so far (the handle of the object just finished).</summary>
    public int Offset => _buffer.Length - _space;

    /// <summary>Pads so that after writing <paramref name="additional"/> bytes, a <paramref name="size"/>-byte value is aligned.</summary>
    public void Prep(int size, int additional)
    {
        _minAlign = Math.Max(_minAlign, size);
        int pad = (-(Offset + additional)) & (size - 1);
        Grow(pad + size + additional);
        for (int i = 0; i < pad; i++)
        {
            _buffer[--_space] = 0;
        }
    }

    private void Grow(int needed)
    {
        if (_space >= needed)
        {
            return;
        }

        int used = Offset;
        long newSize = Math.Max((long)_buffer.Length * 2, (long)used + needed + 64);
        if (newSize > Array.MaxLength)
        {
            throw new InvalidOperationException("FlatBuffer exceeds the maximum array size.");
        }

        byte[] bigger = new byte[newSize];
        _buffer.AsSpan(_space).CopyTo(bigger.AsSpan(bigger.Length - used));
        _buffer = bigger;
        _space = bigger.Length - used;
    }

    private Span<byte> Claim(int count)
    {
        Grow(count);
        _space -= count;
        return _buffer.AsSpan(_space, count);
    }

    public void PutByte(byte v) => Claim(1)[0] = v;

    public void PutInt16(short v) => BinaryPrimitives.WriteInt16LittleEndian(Claim(2), v);

    public void PutInt32(int v) => BinaryPrimitives.WriteInt32LittleEndian(Claim(4), v);

    public void PutInt64(long v) => BinaryPrimitives.WriteInt64LittleEndian(Claim(8), v);

    public void PutFloat(float v) => BinaryPrimitives.WriteSingleLittleEndian(Claim(4), v);

    /// <summary>Writes a uoffset to the object with handle <paramref name="target"/>.</summary>
    public void AddOffset(int target)
    {
        Prep(4, 0);
        if (target > Offset)
        {
            throw new InvalidOperationException("FlatBuffer offsets must point to objects written earlier.");
        }

        PutInt32(Offset - target + 4);
    }

    public int CreateString(string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        Prep(4, utf8.Length + 1);
        PutByte(0);
        utf8.CopyTo(Claim(utf8.Length));
        PutInt32(utf8.Length);
        return Offset;
    }

    /// <summary>A vector of bytes, its data aligned to <paramref name="alignment"/> (a power of two ≥ 4).</summary>
    public int CreateByteVector(ReadOnlySpan<byte> data, int alignment = 4)
    {
        Prep(4, data.Length);
        Prep(alignment, data.Length);
        data.CopyTo(Claim(data.Length));
        Prep(4, 0);
        PutInt32(data.Length);
        return Offset;
    }

    public int CreateInt32Vector(ReadOnlySpan<int> data)
    {
        Prep(4, data.Length * 4);
        for (int i = data.Length - 1; i >= 0; i--)
        {
            PutInt32(data[i]);
        }

        PutInt32(data.Length);
        return Offset;
    }

    public int CreateInt64Vector(ReadOnlySpan<long> data)
    {
        Prep(4, data.Length * 8);
        Prep(8, data.Length * 8);
        for (int i = data.Length - 1; i >= 0; i--)
        {
            PutInt64(data[i]);
        }

        Prep(4, 0);
        PutInt32(data.Length);
        return Offset;
    }

    public int CreateFloatVector(ReadOnlySpan<float> data)
    {
        Prep(4, data.Length * 4);
        for (int i = data.Length - 1; i >= 0; i--)
        {
            PutFloat(data[i]);
        }

        PutInt32(data.Length);
        return Offset;
    }

    /// <summary>A vector of uoffsets to tables or strings written earlier.</summary>
    public int CreateOffsetVector(ReadOnlySpan<int> targets)
    {
        Prep(4, targets.Length * 4);
        for (int i = targets.Length - 1; i >= 0; i--)
        {
            AddOffset(targets[i]);
        }

        PutInt32(targets.Length);
        return Offset;
    }

    public void StartTable(int fieldCount)
    {
        if (_fieldOffsets is not null)
        {
            throw new InvalidOperationException("FlatBuffer tables cannot be nested while being built.");
        }

        _fieldOffsets = new int[fieldCount];
        _fieldCount = fieldCount;
        _tableStart = Offset;
    }

    private void Slot(int field)
    {
        if (_fieldOffsets is null || field < 0 || field >= _fieldCount)
        {
            throw new InvalidOperationException($"Field {field} outside the table being built.");
        }

        _fieldOffsets[field] = Offset;
    }

    public void AddByte(int field, byte v)
    {
        Prep(1, 0);
        PutByte(v);
        Slot(field);
    }

    public void AddBool(int field, bool v) => AddByte(field, v ? (byte)1 : (byte)0);

    public void AddInt32(int field, int v)
    {
        Prep(4, 0);
        PutInt32(v);
        Slot(field);
    }

    public void AddUInt32(int field, uint v) => AddInt32(field, unchecked((int)v));

    public void AddFloat(int field, float v)
    {
        Prep(4, 0);
        PutFloat(v);
        Slot(field);
    }

    public void AddOffsetField(int field, int target)
    {
        AddOffset(target);
        Slot(field);
    }

    public int EndTable()
    {
        int[] fields = _fieldOffsets ?? throw new InvalidOperationException("No table is being built.");
        Prep(4, 0);
        PutInt32(0); // soffset placeholder, patched below
        int tableOffset = Offset;

        int used = _fieldCount;
        while (used > 0 && fields[used - 1] == 0)
        {
            used--;
        }

        for (int i = used - 1; i >= 0; i--)
        {
            PutInt16((short)(fields[i] != 0 ? tableOffset - fields[i] : 0));
        }

        PutInt16((short)(tableOffset - _tableStart));
        PutInt16((short)((used + 2) * 2));
        int vtableOffset = Offset;

        // The table's first word: table position minus vtable position (vtable precedes the table).
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_buffer.Length - tableOffset), vtableOffset - tableOffset);
        _fieldOffsets = null;
        return tableOffset;
    }

    /// <summary>Writes the root offset and the file identifier and returns the finished buffer.</summary>
    public byte[] Finish(int root, string fileIdentifier)
    {
        if (fileIdentifier.Length != 4)
        {
            throw new ArgumentException("A FlatBuffers file identifier has exactly four characters.", nameof(fileIdentifier));
        }

        Prep(_minAlign, 8);
        for (int i = 3; i >= 0; i--)
        {
            PutByte((byte)fileIdentifier[i]);
        }

        AddOffset(root);
        return _buffer.AsSpan(_space).ToArray();
    }
}
