using System.Buffers.Binary;
using SkiaSharp;

namespace Mnist.Inference.Tests.TestSupport;

/// <summary>Test images: real MNIST digits, encoded with SkiaSharp or written byte by byte for formats Skia cannot
/// encode (BMP, GIF, CMYK JPEG) and for malformed files.</summary>
internal static class TestImages
{
    private static readonly Lazy<byte[]> Mnist = new(() =>
    {
        byte[] raw = global::Mnist.Testing.TestEnvironment.ReadMnistFile("t10k-images-idx3-ubyte");
        if (raw[2] != 0x08 || raw[3] != 3) throw new InvalidDataException("Not an IDX3 image file.");
        return raw;
    });

    private static readonly Lazy<byte[]> MnistLabels = new(() => global::Mnist.Testing.TestEnvironment.ReadMnistFile("t10k-labels-idx1-ubyte"));

    /// <summary>$MNIST_DATA, else the shared copy found above the test binaries.</summary>
    public static string MnistDir => global::Mnist.Testing.TestEnvironment.MnistFolder();

    /// <summary>MNIST test image <paramref name="index"/>: 784 bytes, white on black.</summary>
    public static byte[] Digit(int index) => Mnist.Value.AsSpan(16 + index * 784, 784).ToArray();

    /// <summary>Label of MNIST test image <paramref name="index"/>.</summary>
    public static int Label(int index) => MnistLabels.Value[8 + index];

    /// <summary>The digit as floats in [0, 1].</summary>
    public static float[] DigitFloats(int index) => Digit(index).Select(b => b / 255f).ToArray();

    /// <summary>A gray canvas w×h (background <paramref name="background"/>) with the digit scaled by an integer
    /// <paramref name="scale"/> (nearest) at (x0, y0); <paramref name="invert"/> draws dark ink on light.</summary>
    public static byte[] Canvas(byte[] digit, int w, int h, int scale, int x0, int y0, bool invert = false)
    {
        var g = new byte[w * h];
        Array.Fill(g, invert ? (byte)255 : (byte)0);
        for (int y = 0; y < 28 * scale; y++)
            for (int x = 0; x < 28 * scale; x++)
            {
                byte v = digit[(y / scale) * 28 + x / scale];
                g[(y0 + y) * w + x0 + x] = invert ? (byte)(255 - v) : v;
            }
        return g;
    }

    /// <summary>Gray → opaque RGBA.</summary>
    public static byte[] GrayToRgba(byte[] gray)
    {
        var rgba = new byte[gray.Length * 4];
        for (int i = 0; i < gray.Length; i++)
        {
            rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = gray[i];
            rgba[4 * i + 3] = 255;
        }
        return rgba;
    }

    /// <inheritdoc cref="global::Mnist.Tests.Shared.ImageFiles.Encode"/>
    public static byte[] Encode(byte[] rgba, int w, int h, SKEncodedImageFormat format, int quality = 95) =>
        global::Mnist.Tests.Shared.ImageFiles.Encode(rgba, w, h, format, quality);

    /// <summary>A 24-bit bottom-up BMP of an opaque RGBA image.</summary>
    public static byte[] Bmp(byte[] rgba, int w, int h)
    {
        int rowBytes = (w * 3 + 3) & ~3;
        var bmp = new byte[54 + rowBytes * h];
        bmp[0] = (byte)'B'; bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), w);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), h);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(34), rowBytes * h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int d = 54 + (h - 1 - y) * rowBytes + x * 3, s = (y * w + x) * 4;
                bmp[d] = rgba[s + 2]; bmp[d + 1] = rgba[s + 1]; bmp[d + 2] = rgba[s];
            }
        return bmp;
    }

    /// <summary>
    /// A GIF89a with a 256-level gray palette and one full-size frame per gray image (2+ frames: an animation that
    /// loops). LZW with 9-bit codes only: a clear code every 250 literals keeps the dictionary from growing.
    /// </summary>
    public static byte[] Gif(int w, int h, params byte[][] frames)
    {
        var o = new List<byte>();
        o.AddRange("GIF89a"u8.ToArray());
        o.Add((byte)w); o.Add((byte)(w >> 8)); o.Add((byte)h); o.Add((byte)(h >> 8));
        o.Add(0xF7); o.Add(0); o.Add(0); // global table, 8 bits colour resolution, 256 entries
        for (int i = 0; i < 256; i++) { o.Add((byte)i); o.Add((byte)i); o.Add((byte)i); }
        if (frames.Length > 1)
        {
            o.AddRange([0x21, 0xFF, 0x0B]);
            o.AddRange("NETSCAPE2.0"u8.ToArray());
            o.AddRange([0x03, 0x01, 0x00, 0x00, 0x00]);
        }
        foreach (byte[] frame in frames)
        {
            o.AddRange([0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00]); // 100 ms, no transparency
            o.Add(0x2C); o.AddRange([0, 0, 0, 0]);
            o.Add((byte)w); o.Add((byte)(w >> 8)); o.Add((byte)h); o.Add((byte)(h >> 8));
            o.Add(0); // no local table, not interlaced
            o.Add(8); // LZW minimum code size
            byte[] lzw = Lzw9(frame);
            for (int i = 0; i < lzw.Length; i += 255)
            {
                int n = Math.Min(255, lzw.Length - i);
                o.Add((byte)n);
                o.AddRange(lzw.AsSpan(i, n).ToArray());
            }
            o.Add(0);
        }
        o.Add(0x3B);
        return [.. o];
    }

    private static byte[] Lzw9(byte[] indices)
    {
        var bytes = new List<byte>();
        int acc = 0, bits = 0;
        void Put(int code)
        {
            acc |= code << bits;
            bits += 9;
            while (bits >= 8) { bytes.Add((byte)acc); acc >>= 8; bits -= 8; }
        }
        for (int i = 0; i < indices.Length; i++)
        {
            if (i % 250 == 0) Put(256);
            Put(indices[i]);
        }
        Put(257);
        if (bits > 0) bytes.Add((byte)acc);
        return [.. bytes];
    }

    /// <summary>
    /// A baseline JPEG with four components (Adobe CMYK, APP14 transform 0, values stored inverted as Adobe
    /// does) in which every 8×8 block is flat, so only DC coefficients are coded (quantizer 1, standard luminance DC
    /// Huffman table, an AC table holding only end-of-block). <paramref name="ink"/> is 28×28 black-ink amounts
    /// (0–255) and each becomes one 8×8 block: a 224×224 dark-on-white digit.
    /// </summary>
    public static byte[] CmykJpeg(byte[] ink)
    {
        const int side = 28;
        var o = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, byte[] payload)
        {
            o.Add(0xFF); o.Add(marker);
            o.Add((byte)((payload.Length + 2) >> 8)); o.Add((byte)(payload.Length + 2));
            o.AddRange(payload);
        }
        Segment(0xEE, [.. "Adobe"u8.ToArray(), 0, 100, 0, 0, 0, 0, 0]);
        Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        int px = side * 8;
        Segment(0xC0, [8, (byte)(px >> 8), (byte)px, (byte)(px >> 8), (byte)px, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        byte[] dcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        Segment(0xC4, [0x00, .. dcCounts, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        Segment(0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Segment(0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        // Canonical Huffman codes of the DC table: category → (code, length).
        var codes = new (int Code, int Length)[12];
        int code = 0, symbol = 0;
        for (int len = 1; len <= 16; len++)
        {
            for (int k = 0; k < dcCounts[len - 1]; k++) codes[symbol++] = (code++, len);
            code <<= 1;
        }
        var scan = new List<byte>();
        int acc = 0, nbits = 0;
        void Bits(int value, int count)
        {
            for (int i = count - 1; i >= 0; i--)
            {
                acc = (acc << 1) | ((value >> i) & 1);
                if (++nbits == 8)
                {
                    scan.Add((byte)acc);
                    if (acc == 0xFF) scan.Add(0);
                    acc = 0; nbits = 0;
                }
            }
        }
        var predictor = new int[4];
        for (int i = 0; i < side * side; i++)
        {
            // Adobe stores CMYK inverted: 255 = no ink. Cyan, magenta, yellow: none; black: the digit.
            int[] stored = [255, 255, 255, 255 - ink[i]];
            for (int c = 0; c < 4; c++)
            {
                int dc = 8 * (stored[c] - 128);
                int diff = dc - predictor[c];
                predictor[c] = dc;
                int magnitude = Math.Abs(diff), category = 0;
                while (magnitude >> category != 0) category++;
                Bits(codes[category].Code, codes[category].Length);
                if (category > 0) Bits(diff < 0 ? diff + (1 << category) - 1 : diff, category);
                Bits(0, 1); // end of block
            }
        }
        if (nbits > 0) Bits((1 << (8 - nbits)) - 1, 8 - nbits);
        o.AddRange(scan);
        o.Add(0xFF); o.Add(0xD9);
        return [.. o];
    }

    /// <summary>Inserts an EXIF APP1 segment carrying only the orientation tag right after the JPEG's SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at offset 8
            0x00, 0x01,                                               // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,           // tag 0x0112 Orientation, SHORT, count 1
            (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00,  // value, padded to 4 bytes
            0x00, 0x00, 0x00, 0x00,                                   // no next IFD
        ];
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int length = payload.Length + 2;
        return [jpeg[0], jpeg[1], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg.AsSpan(2).ToArray()];
    }

    /// <summary>A PNG made of the signature, an IHDR claiming <paramref name="w"/>×<paramref name="h"/> 8-bit RGBA
    /// (with a correct CRC), a tiny IDAT and IEND: a decompression-bomb header.</summary>
    public static byte[] PngHeaderOnly(int w, int h)
    {
        var o = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; ihdr[9] = 6;
        Chunk(o, "IHDR", ihdr);
        Chunk(o, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(o, "IEND", []);
        return [.. o];
    }

    private static void Chunk(List<byte> o, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        o.AddRange(len);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        o.AddRange(typeAndData);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        o.AddRange(crc);
    }

    /// <summary>CRC-32 (polynomial 0xEDB88320, reflected) as PNG chunks use it.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>Mean |a − b| of two 784-pixel images.</summary>
    public static double MeanAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += Math.Abs(a[i] - b[i]);
        return s / a.Length;
    }
}
