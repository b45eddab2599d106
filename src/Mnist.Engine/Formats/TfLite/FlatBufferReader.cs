using System.Buffers.Binary;
using System.Text;

namespace Mnist.Engine.Formats.TfLite;

/// <summary>
/// Bounds-checked accessors for reading a FlatBuffer: tables by vtable slot, vectors, strings.
/// Positions are absolute byte offsets into the buffer. Malformed input throws <see cref="InvalidDataException"/>.
/// </summary>
internal readonly struct FlatBufferReader
{
    private readonly byte[] _data;

    public FlatBufferReader(byte[] data) => _data = data;

    public int RootTable => Indirect(0);

    public string FileIdentifier => _data.Length >= 8 ? Encoding.ASCII.GetString(_data, 4, 4) : "";

    // Offsets and sizes come from the file: computed in 64 bits and checked here, so a crafted value yields
    // InvalidDataException rather than an arithmetic overflow or a read outside the buffer.
    private void Check(long pos, long size)
    {
        if (pos < 0 || size < 0 || pos + size > _data.Length)
        {
            throw new InvalidDataException($"FlatBuffer access at {pos} (+{size}) is outside the {_data.Length}-byte buffer.");
        }
    }

    public int ReadInt32(int pos)
    {
        Check(pos, 4);
        return BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(pos));
    }

    public long ReadInt64(int pos)
    {
        Check(pos, 8);
        return BinaryPrimitives.ReadInt64LittleEndian(_data.AsSpan(pos));
    }

    public float ReadFloat(int pos)
    {
        Check(pos, 4);
        return BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(pos));
    }

    private int Indirect(int pos)
    {
        long target = (long)pos + ReadInt32(pos);
        Check(target, 0);
        return (int)target;
    }

    /// <summary>Absolute position of field <paramref name="field"/> of the table at <paramref name="table"/>, or 0 when absent.</summary>
    public int Field(int table, int field)
    {
        long vtableAt = (long)table - ReadInt32(table);
        Check(vtableAt, 4);
        int vtable = (int)vtableAt;
        int vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(vtable));
        int slot = 4 + (2 * field);
        if (slot + 2 > vtableSize)
        {
            return 0;
        }

        Check(vtable + slot, 2);
        int off = BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(vtable + slot));
        if (off == 0)
        {
            return 0;
        }

        Check((long)table + off, 0);
        return table + off;
    }

    public bool Has(int table, int field) => Field(table, field) != 0;

    public byte GetByte(int table, int field, byte defaultValue = 0)
    {
        int p = Field(table, field);
        if (p == 0)
        {
            return defaultValue;
        }

        Check(p, 1);
        return _data[p];
    }

    public bool GetBool(int table, int field, bool defaultValue = false) => GetByte(table, field, defaultValue ? (byte)1 : (byte)0) != 0;

    public int GetInt32(int table, int field, int defaultValue = 0)
    {
        int p = Field(table, field);
        return p == 0 ? defaultValue : ReadInt32(p);
    }

    public float GetFloat(int table, int field, float defaultValue = 0)
    {
        int p = Field(table, field);
        return p == 0 ? defaultValue : ReadFloat(p);
    }

    /// <summary>Position of the sub-table or string a field points to, or null when absent.</summary>
    public int? GetTable(int table, int field)
    {
        int p = Field(table, field);
        return p == 0 ? null : Indirect(p);
    }

    public string? GetString(int table, int field)
    {
        int? s = GetTable(table, field);
        if (s is not int pos)
        {
            return null;
        }

        int length = ReadInt32(pos);
        Check((long)pos + 4, length);
        return Encoding.UTF8.GetString(_data, pos + 4, length);
    }

    /// <summary>Element count and position of the first element of a vector field, or (0, 0) when absent.</summary>
    public (int Count, int Start) GetVector(int table, int field, int elementSize)
    {
        int? v = GetTable(table, field);
        if (v is not int pos)
        {
            return (0, 0);
        }

        int count = ReadInt32(pos);
        Check((long)pos + 4, (long)count * elementSize);
        return (count, pos + 4);
    }

    public byte[] GetBytes(int table, int field)
    {
        (int count, int start) = GetVector(table, field, 1);
        return _data.AsSpan(start, count).ToArray();
    }

    public int[] GetInt32s(int table, int field)
    {
        (int count, int start) = GetVector(table, field, 4);
        int[] r = new int[count];
        for (int i = 0; i < count; i++)
        {
            r[i] = ReadInt32(start + (4 * i));
        }

        return r;
    }

    public long[] GetInt64s(int table, int field)
    {
        (int count, int start) = GetVector(table, field, 8);
        long[] r = new long[count];
        for (int i = 0; i < count; i++)
        {
            r[i] = ReadInt64(start + (8 * i));
        }

        return r;
    }

    public float[] GetFloats(int table, int field)
    {
        (int count, int start) = GetVector(table, field, 4);
        float[] r = new float[count];
        for (int i = 0; i < count; i++)
        {
            r[i] = ReadFloat(start + (4 * i));
        }

        return r;
    }

    /// <summary>Positions of the tables a vector-of-tables field points to.</summary>
    public int[] GetTables(int table, int field)
    {
        (int count, int start) = GetVector(table, field, 4);
        int[] r = new int[count];
        for (int i = 0; i < count; i++)
        {
            r[i] = Indirect(start + (4 * i));
        }

        return r;
    }
}
