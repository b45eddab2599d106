namespace Mnist.Engine.Formats.Protobuf;

/// <summary>The protobuf wire types: the low three bits of every field tag.</summary>
public enum WireType
{
    /// <summary>Base-128 varint: int32, int64, uint32, uint64, bool, enum.</summary>
    Varint = 0,

    /// <summary>Eight little-endian bytes: fixed64, sfixed64, double.</summary>
    Fixed64 = 1,

    /// <summary>A varint length, then that many bytes: string, bytes, messages, packed repeated scalars.</summary>
    LengthDelimited = 2,

    /// <summary>Deprecated group start; only skipped on read.</summary>
    StartGroup = 3,

    /// <summary>Deprecated group end; only skipped on read.</summary>
    EndGroup = 4,

    /// <summary>Four little-endian bytes: fixed32, sfixed32, float.</summary>
    Fixed32 = 5,
}
