using Mnist.Engine.Formats.Protobuf;

namespace Mnist.Engine.Tests.Formats;

public class ProtobufWireTests
{
    [Fact]
    public void Varint_MatchesTheSpecExample()
    {
        // The protobuf encoding guide's example: field 1, value 150 → 08 96 01.
        var w = new ProtoWriter();
        w.WriteInt64(1, 150);
        Assert.Equal(new byte[] { 0x08, 0x96, 0x01 }, w.ToArray());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(127L)]
    [InlineData(128L)]
    [InlineData(300L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Int64_RoundTrips(long value)
    {
        var w = new ProtoWriter();
        w.WriteInt64(3, value);
        var r = new ProtoReader(w.WrittenSpan);
        Assert.True(r.TryReadTag(out int field, out WireType wt));
        Assert.Equal((3, WireType.Varint), (field, wt));
        Assert.Equal(value, r.ReadInt64());
        Assert.True(r.IsAtEnd);
    }

    [Fact]
    public void NegativeInt32_IsTenBytesAndReadsBack()
    {
        var w = new ProtoWriter();
        w.WriteInt32(1, -2);
        Assert.Equal(11, w.Length); // tag + 10-byte varint, as protobuf's int32 prescribes
        var r = new ProtoReader(w.WrittenSpan);
        r.TryReadTag(out _, out _);
        Assert.Equal(-2, r.ReadInt32());
    }

    [Fact]
    public void ScalarsStringsAndBytes_RoundTrip()
    {
        var w = new ProtoWriter(1);
        w.WriteFloat(1, 3.25f);
        w.WriteDouble(2, -1e300);
        w.WriteFixed32(3, 0xDEADBEEF);
        w.WriteFixed64(4, 0x0123456789ABCDEF);
        w.WriteString(5, "héllo");
        w.WriteBytes(6, [1, 2, 3]);
        w.WriteBool(7, true);
        w.WriteUInt64(8, ulong.MaxValue);

        var r = new ProtoReader(w.WrittenSpan);
        Assert.True(r.TryReadTag(out int f, out WireType wt) && f == 1 && wt == WireType.Fixed32);
        Assert.Equal(3.25f, r.ReadFloat());
        Assert.True(r.TryReadTag(out f, out wt) && f == 2 && wt == WireType.Fixed64);
        Assert.Equal(-1e300, r.ReadDouble());
        r.TryReadTag(out _, out _);
        Assert.Equal(0xDEADBEEFu, r.ReadFixed32());
        r.TryReadTag(out _, out _);
        Assert.Equal(0x0123456789ABCDEFul, r.ReadFixed64());
        Assert.True(r.TryReadTag(out f, out wt) && f == 5 && wt == WireType.LengthDelimited);
        Assert.Equal("héllo", r.ReadString());
        r.TryReadTag(out _, out _);
        Assert.Equal(new byte[] { 1, 2, 3 }, r.ReadBytes());
        r.TryReadTag(out _, out _);
        Assert.True(r.ReadBool());
        r.TryReadTag(out _, out _);
        Assert.Equal(ulong.MaxValue, r.ReadUInt64());
        Assert.False(r.TryReadTag(out _, out _));
    }

    [Fact]
    public void PackedAndUnpackedRepeated_BothRead()
    {
        var w = new ProtoWriter();
        w.WritePackedInt64(1, [1, -1, 300]);
        w.WriteInt64(1, 7); // an unpacked element of the same field
        w.WritePackedFloat(2, [0.5f, -2f]);
        w.WriteFloat(2, 9f);
        w.WritePackedInt32(3, [-5, 5]);
        w.WritePackedDouble(4, [1.5, 2.5]);
        w.WritePackedInt64(5, []); // empty: nothing written

        var longs = new List<long>();
        var floats = new List<float>();
        var ints = new List<int>();
        var doubles = new List<double>();
        var r = new ProtoReader(w.WrittenSpan);
        while (r.TryReadTag(out int f, out WireType wt))
        {
            switch (f)
            {
                case 1: r.ReadRepeatedInt64(wt, longs); break;
                case 2: r.ReadRepeatedFloat(wt, floats); break;
                case 3: r.ReadRepeatedInt32(wt, ints); break;
                case 4: r.ReadRepeatedDouble(wt, doubles); break;
                default: Assert.Fail($"unexpected field {f}"); break;
            }
        }

        Assert.Equal([1L, -1L, 300L, 7L], longs);
        Assert.Equal([0.5f, -2f, 9f], floats);
        Assert.Equal([-5, 5], ints);
        Assert.Equal([1.5, 2.5], doubles);
    }

    [Fact]
    public void NestedMessages_AndSkipOfEveryWireType()
    {
        var w = new ProtoWriter();
        w.WriteInt64(10, 5);
        w.WriteFixed64(11, 1);
        w.WriteFixed32(12, 1);
        w.WriteMessage(13, m => m.WriteString(1, "inner"));
        w.WriteTag(14, WireType.StartGroup); // a legacy group with a field inside
        w.WriteInt64(1, 42);
        w.WriteTag(14, WireType.EndGroup);
        w.WriteString(2, "kept");

        var r = new ProtoReader(w.WrittenSpan);
        string? kept = null;
        string? inner = null;
        while (r.TryReadTag(out int f, out WireType wt))
        {
            if (f == 2)
            {
                kept = r.ReadString();
            }
            else if (f == 13)
            {
                var m = new ProtoReader(r.ReadLengthDelimited());
                m.TryReadTag(out _, out _);
                inner = m.ReadString();
            }
            else
            {
                r.SkipField(wt);
            }
        }

        Assert.Equal("kept", kept);
        Assert.Equal("inner", inner);
    }

    [Fact]
    public void MalformedInput_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => new ProtoReader([0x08, 0x96]).ReadAll());          // truncated varint
        Assert.Throws<InvalidDataException>(() => new ProtoReader([0x0A, 0x05, 0x01]).ReadAll());    // length past end
        Assert.Throws<InvalidDataException>(() => new ProtoReader([0x0F]).ReadAll());                // wire type 7
        Assert.Throws<InvalidDataException>(() => new ProtoReader([0x00]).ReadAll());                // field 0
        Assert.Throws<InvalidDataException>(() => new ProtoReader([0x0D, 0x00]).ReadAll());          // truncated fixed32
    }
}

internal static class ProtoReaderTestExtensions
{
    /// <summary>Reads and skips every field (used to provoke parse errors).</summary>
    public static void ReadAll(this ProtoReader r)
    {
        while (r.TryReadTag(out _, out WireType wt))
        {
            r.SkipField(wt);
        }
    }
}
