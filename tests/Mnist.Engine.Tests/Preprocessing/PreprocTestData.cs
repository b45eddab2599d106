using System.Text;
using System.Text.Json;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Preprocessing;

/// <summary>Test inputs (real MNIST digits, pendigits strokes, synthetic canvases) and failure diagnostics.</summary>
internal static class PreprocTestData
{
    private static readonly Lazy<byte[]> MnistImages = new(LoadMnist);

    /// <summary>Test image <paramref name="index"/> of t10k-images-idx3-ubyte: 784 bytes, white on black.</summary>
    public static byte[] MnistDigit(int index) => MnistImages.Value.AsSpan(16 + index * 784, 784).ToArray();

    private static byte[] LoadMnist()
    {
        byte[] raw = global::Mnist.Testing.TestEnvironment.ReadMnistFile("t10k-images-idx3-ubyte");
        // IDX header: magic 0x00000803, count, rows, cols (big-endian int32).
        if (raw[2] != 0x08 || raw[3] != 3 || raw.Length < 16 + 784) throw new InvalidDataException("Not an IDX3 image file.");
        return raw;
    }

    /// <summary>The first <paramref name="count"/> pendigits samples: label and strokes.</summary>
    public static List<(int Label, List<IReadOnlyList<StrokePoint>> Strokes)> Pendigits(int count)
    {
        string file = global::Mnist.Testing.TestEnvironment.SharedFile("datasets/drawn-digits/pendigits-train.jsonl", "the pendigits strokes ship with CI's shared folder");
        var result = new List<(int, List<IReadOnlyList<StrokePoint>>)>();
        foreach (string line in File.ReadLines(file))
        {
            if (result.Count == count) break;
            using var doc = JsonDocument.Parse(line);
            var strokes = new List<IReadOnlyList<StrokePoint>>();
            foreach (JsonElement stroke in doc.RootElement.GetProperty("strokes").EnumerateArray())
            {
                var points = new List<StrokePoint>();
                foreach (JsonElement p in stroke.EnumerateArray()) points.Add(new StrokePoint(p[0].GetSingle(), p[1].GetSingle()));
                strokes.Add(points);
            }
            result.Add((doc.RootElement.GetProperty("label").GetInt32(), strokes));
        }
        return result;
    }

    /// <summary>A synthetic "2"-like stroke digit in a 0..100 coordinate box.</summary>
    public static List<IReadOnlyList<StrokePoint>> SyntheticTwo(float scale = 1f, float dx = 0f, float dy = 0f)
    {
        StrokePoint P(float x, float y) => new(x * scale + dx, y * scale + dy);
        return
        [
            new[] { P(20, 30), P(30, 12), P(50, 5), P(70, 12), P(78, 30), P(70, 50), P(45, 72), P(20, 95), P(50, 95), P(82, 95) },
        ];
    }

    /// <summary>Draws strokes (already in canvas pixels) into a white-on-black gray canvas with pen radius <paramref name="radius"/>.</summary>
    public static byte[] DrawGray(int width, int height, IEnumerable<IReadOnlyList<StrokePoint>> strokes, float radius)
    {
        var canvas = new float[width * height];
        foreach (IReadOnlyList<StrokePoint> s in strokes) StrokeRasterizer.Draw(canvas, width, height, s.ToArray(), radius);
        return canvas.Select(v => (byte)MathF.Round(v * 255f)).ToArray();
    }

    /// <summary>Places a 28×28 digit, enlarged <paramref name="factor"/>× by pixel replication, at (ox, oy) in a black canvas.</summary>
    public static byte[] Embed(byte[] digit, int width, int height, int ox, int oy, int factor = 1)
    {
        var canvas = new byte[width * height];
        for (int y = 0; y < 28 * factor; y++)
            for (int x = 0; x < 28 * factor; x++)
                canvas[(oy + y) * width + ox + x] = digit[(y / factor) * 28 + x / factor];
        return canvas;
    }

    public static byte[] Invert(byte[] gray) => gray.Select(v => (byte)(255 - v)).ToArray();

    public static float MeanAbsDiff(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += Math.Abs(a[i] - b[i]);
        return (float)(s / a.Length);
    }

    public static float[] ToFloats(byte[] pixels784) => pixels784.Select(v => v / 255f).ToArray();

    /// <summary>Centre of mass in index terms (pixel i has coordinate i).</summary>
    public static (float X, float Y) CentreOfMass(float[] img)
    {
        double m = 0, mx = 0, my = 0;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) { double v = img[y * 28 + x]; m += v; mx += v * x; my += v * y; }
        return ((float)(mx / m), (float)(my / m));
    }

    /// <summary>Bounding box size of pixels ≥ <paramref name="threshold"/>.</summary>
    public static (int Width, int Height) BoxSize(float[] img, float threshold)
    {
        int x0 = 28, y0 = 28, x1 = -1, y1 = -1;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                if (img[y * 28 + x] >= threshold) { x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y); }
        return x1 < 0 ? (0, 0) : (x1 - x0 + 1, y1 - y0 + 1);
    }

    /// <summary>28×28 images side by side as ASCII art (" .:-=+*#%@" by intensity), for assertion messages.</summary>
    public static string Ascii(params float[][] images)
    {
        const string ramp = " .:-=+*#%@";
        var sb = new StringBuilder().AppendLine();
        for (int y = 0; y < 28; y++)
        {
            foreach (float[] img in images)
            {
                for (int x = 0; x < 28; x++)
                {
                    float v = Math.Clamp(img[y * 28 + x], 0f, 1f);
                    sb.Append(ramp[Math.Min(ramp.Length - 1, (int)(v * ramp.Length))]);
                }
                sb.Append(" | ");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>Asserts a mean absolute difference below <paramref name="tolerance"/>, showing both images on failure.</summary>
    public static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        float d = MeanAbsDiff(expected, actual);
        Assert.True(d <= tolerance, $"{what}: mean |diff| {d:F4} > {tolerance} (expected | actual){Ascii(expected, actual)}");
    }
}
