namespace Mnist.Engine.Data;

/// <summary>The two IDX layouts MNIST-style datasets use (unsigned bytes, big-endian header).</summary>
public enum IdxKind
{
    /// <summary>Magic 0x00000801: int32 count, then count bytes.</summary>
    Labels = 0x801,

    /// <summary>Magic 0x00000803: int32 count, rows, cols, then count*rows*cols bytes, row-major.</summary>
    Images = 0x803,
}
