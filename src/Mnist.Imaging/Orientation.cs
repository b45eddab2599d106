using System.Runtime.InteropServices;

namespace Mnist.Imaging;

/// <summary>
/// Applies an EXIF orientation (1–8) to RGBA8 pixels so that the result is upright. For each output pixel (x', y')
/// the stored pixel (x, y) is, with W×H the stored size:
/// 1 (x', y'); 2 mirror: (W−1−x', y'); 3 rotate 180°: (W−1−x', H−1−y'); 4 flip: (x', H−1−y');
/// 5 transpose: (y', x'); 6 rotate 90° clockwise: (y', H−1−x'); 7 transverse: (W−1−y', H−1−x');
/// 8 rotate 90° counter-clockwise: (W−1−y', x'). Orientations 5–8 swap width and height.
/// </summary>
internal static class Orientation
{
    public static byte[] Apply(byte[] rgba, ref int width, ref int height, int orientation)
    {
        if (orientation is < 2 or > 8) return rgba;
        int w = width, h = height;
        bool swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        byte[] output = new byte[rgba.Length];
        ReadOnlySpan<uint> src = MemoryMarshal.Cast<byte, uint>((ReadOnlySpan<byte>)rgba);
        Span<uint> dst = MemoryMarshal.Cast<byte, uint>(output.AsSpan());
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                dst[y * ow + x] = src[sy * w + sx];
            }
        }
        width = ow;
        height = oh;
        return output;
    }
}
