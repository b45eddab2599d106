namespace Mnist.Imaging;

/// <summary>
/// Shrinks straight-alpha RGBA8 by an integer factor f: each output pixel averages an f×f block (smaller at the
/// right and bottom edges). Alpha is the block mean; colour is the alpha-weighted mean, so fully transparent pixels
/// (whose colour is meaningless) do not tint the result. Integer sums: at most 64·64 pixels of 255·255 per block.
/// </summary>
internal static class RgbaBoxFilter
{
    /// <summary>Filters one band of <paramref name="rows"/> (≤ factor) source rows into one output row.</summary>
    public static void FilterBand(ReadOnlySpan<byte> band, int rows, int width, int factor, Span<byte> outRow)
    {
        int outWidth = outRow.Length / 4;
        for (int ox = 0; ox < outWidth; ox++)
        {
            int x0 = ox * factor, x1 = Math.Min(x0 + factor, width);
            long sa = 0, sr = 0, sg = 0, sb = 0;
            for (int y = 0; y < rows; y++)
            {
                ReadOnlySpan<byte> row = band.Slice((y * width + x0) * 4, (x1 - x0) * 4);
                for (int i = 0; i < row.Length; i += 4)
                {
                    int a = row[i + 3];
                    sa += a;
                    sr += row[i] * a;
                    sg += row[i + 1] * a;
                    sb += row[i + 2] * a;
                }
            }
            long n = (long)rows * (x1 - x0);
            Span<byte> o = outRow.Slice(ox * 4, 4);
            o[3] = (byte)((sa + n / 2) / n);
            if (sa == 0)
            {
                o[0] = o[1] = o[2] = 0;
            }
            else
            {
                o[0] = (byte)((sr + sa / 2) / sa);
                o[1] = (byte)((sg + sa / 2) / sa);
                o[2] = (byte)((sb + sa / 2) / sa);
            }
        }
    }
}
