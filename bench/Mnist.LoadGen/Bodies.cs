using System.Text;
using SkiaSharp;

namespace Mnist.LoadGen;

/// <summary>Request bodies made from real MNIST test digits.</summary>
internal static class Bodies
{
    public static byte[][] Load(string kind, string mnistDir, int count)
    {
        string file = Path.Combine(mnistDir, "t10k-images-idx3-ubyte");
        byte[] raw = File.ReadAllBytes(file);
        if (raw.Length < 16 + count * 784 || raw[2] != 8 || raw[3] != 3) throw new InvalidDataException($"{file} is not an MNIST image file.");
        var bodies = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> d = kind == "blank" ? new byte[784] : raw.AsSpan(16 + i * 784, 784);
            bodies[i] = kind == "png" ? Png(d) : Encoding.UTF8.GetBytes("{\"pixels\":[" + string.Join(',', d.ToArray()) + "]}");
        }
        return bodies;
    }

    private static byte[] Png(ReadOnlySpan<byte> digit)
    {
        using var bmp = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        digit.CopyTo(bmp.GetPixelSpan());
        using SKData data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
