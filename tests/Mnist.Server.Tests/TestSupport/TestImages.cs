using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;
using SkiaSharp;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>Real MNIST test digits as pixels, PNGs and photo-like pictures.</summary>
internal static class TestImages
{
    private static readonly Lazy<byte[]> Images = new(() => global::Mnist.Testing.TestEnvironment.ReadMnistFile("t10k-images-idx3-ubyte"));
    private static readonly Lazy<byte[]> Labels = new(() => global::Mnist.Testing.TestEnvironment.ReadMnistFile("t10k-labels-idx1-ubyte"));

    /// <summary>$MNIST_DATA, else the shared copy found above the test binaries.</summary>
    public static string MnistDir => global::Mnist.Testing.TestEnvironment.MnistFolder();

    /// <summary>MNIST test digit <paramref name="index"/>: 784 bytes, white on black.</summary>
    public static byte[] Digit(int index) => Images.Value.AsSpan(16 + index * 784, 784).ToArray();

    /// <summary>Its label.</summary>
    public static int Label(int index) => Labels.Value[8 + index];

    /// <summary>JSON body <c>{"pixels":[…]}</c> of digit <paramref name="index"/>.</summary>
    public static string PixelsJson(int index) => "{\"pixels\":[" + string.Join(',', Digit(index)) + "]}";

    /// <summary>The digit as a 28×28 grayscale PNG, white on black (what the original Flask clients sent).</summary>
    public static byte[] Png(int index)
    {
        byte[] d = Digit(index);
        using var bmp = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(d, 0, bmp.GetPixels(), d.Length);
        using SKData data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A photo-like picture of the digit: 240×320 RGB, dark ink on an uneven light paper tone with noise,
    /// the digit scaled up and off-centre, JPEG or PNG encoded.</summary>
    public static byte[] Photo(int index, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        byte[] d = Digit(index);
        const int w = 240, h = 320, scale = 6, x0 = 50, y0 = 90;
        var rng = new Random(index);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                // Paper: light, with a gentle gradient (lighting) and grain.
                double paper = 225 - 25.0 * x / w - 15.0 * y / h + rng.Next(-6, 7);
                int ix = (x - x0) / scale, iy = (y - y0) / scale;
                double ink = x >= x0 && y >= y0 && ix < 28 && iy < 28 ? d[iy * 28 + ix] / 255.0 : 0;
                double v = paper * (1 - 0.85 * ink);
                byte g = (byte)Math.Clamp(v, 0, 255);
                bmp.SetPixel(x, y, new SKColor((byte)Math.Clamp(v + 8, 0, 255), g, (byte)Math.Clamp(v - 10, 0, 255)));
            }
        using SKData data = bmp.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>Accuracy of <paramref name="model"/> on the first <paramref name="n"/> test digits.</summary>
    public static double Accuracy(Sequential<float> model, int n)
    {
        var x = new float[n * 784];
        for (int i = 0; i < n; i++)
        {
            byte[] d = Digit(i);
            for (int j = 0; j < 784; j++) x[i * 784 + j] = d[j] / 255f;
        }
        model.Training = false;
        Tensor<float> y = model.Forward(new Tensor<float>(x, [n, 1, 28, 28]));
        int right = 0;
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int c = 1; c < 10; c++) if (y.Span[i * 10 + c] > y.Span[i * 10 + best]) best = c;
            if (best == Label(i)) right++;
        }
        model.Training = true;
        return (double)right / n;
    }
}
