using Mnist.Engine.Tensors;
using Mnist.Inference.Tests.TestSupport;
using SkiaSharp;
using Xunit.Abstractions;

using Mnist.Imaging;

namespace Mnist.Inference.Tests;

/// <summary>
/// Real input is not MNIST: MNIST test digits are rendered into larger canvases the way photos and
/// screenshots arrive — either polarity, scaled 0.3×–3×, anywhere on the canvas, rotated up to ±15°,
/// with noise, a coloured background and JPEG compression — and decoded, preprocessed and classified by
/// the shipped model through the same path the server uses. Accuracy must stay ≥ 99%.
/// </summary>
public class PhotoLikeRobustnessTests(ITestOutputHelper output)
{
    private const int Count = 1000;

    // Issue 5's acceptance bound. The low-resolution augmentation of the default recipe is what lifted the shipped
    // model here (98.70% → 99.1%): the failures were digits 8–13 px tall after JPEG.
    [Fact]
    public void ShippedModelKeeps99PercentOnPhotoLikeRenderings()
    {
        string model = ShippedModelPath();
        using var pipeline = new DigitPipeline(OnnxDigitClassifier.Load(model));
        var rng = new SplitMix(2026, 5);
        int correct = 0, empty = 0;
        var failures = new List<string>();
        for (int i = 0; i < Count; i++)
        {
            int index = i * 10; // spread over the test set
            var (jpeg, description) = Render(TestImages.Digit(index), rng);
            var r = pipeline.Recognize(jpeg);
            if (r.Digit is null) empty++;
            if (r.Digit == TestImages.Label(index)) correct++;
            else if (failures.Count < 15) failures.Add($"#{index} label {TestImages.Label(index)} got {r.Digit?.ToString() ?? "none"} ({description})");
        }
        double accuracy = (double)correct / Count;
        output.WriteLine($"photo-like accuracy {accuracy:P2} on {Count} renderings ({empty} reported empty); model {model}");
        foreach (var f in failures) output.WriteLine(f);
        Assert.True(accuracy >= 0.99, $"accuracy {accuracy:P2} < 99%: {string.Join("; ", failures)}");
    }

    /// <summary>One MNIST digit rendered as a photo-like JPEG; returns the bytes and what was done.</summary>
    private static (byte[] Jpeg, string Description) Render(byte[] digit, SplitMix rng)
    {
        float scale = 0.3f + (float)rng.NextDouble() * 2.7f;          // 0.3x – 3x of 28 px
        float angle = ((float)rng.NextDouble() * 2 - 1) * 15f;          // ±15°
        bool darkOnLight = rng.NextDouble() < 0.5;
        int size = (int)(28 * scale);
        int w = Math.Max(size + 8, 40 + rng.NextInt(200)), h = Math.Max(size + 8, 40 + rng.NextInt(200));
        // A coloured background and ink of contrasting lightness.
        byte bgLevel = (byte)(darkOnLight ? 170 + rng.NextInt(80) : rng.NextInt(70));
        var background = new SKColor(Tint(bgLevel, rng), Tint(bgLevel, rng), Tint(bgLevel, rng));
        byte inkLevel = (byte)(darkOnLight ? rng.NextInt(60) : 200 + rng.NextInt(55));
        var ink = new SKColor(Tint(inkLevel, rng), Tint(inkLevel, rng), Tint(inkLevel, rng));

        // The digit as an alpha mask coloured with the ink.
        var digitRgba = new byte[28 * 28 * 4];
        for (int p = 0; p < 784; p++)
        {
            digitRgba[p * 4] = ink.Red; digitRgba[p * 4 + 1] = ink.Green; digitRgba[p * 4 + 2] = ink.Blue; digitRgba[p * 4 + 3] = digit[p];
        }
        using var digitImage = SKImage.FromPixelCopy(new SKImageInfo(28, 28, SKColorType.Rgba8888, SKAlphaType.Unpremul), digitRgba);
        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(background);
        float cx = size / 2f + (float)rng.NextDouble() * (w - size), cy = size / 2f + (float)rng.NextDouble() * (h - size);
        canvas.Translate(cx, cy);
        canvas.RotateDegrees(angle);
        canvas.Scale(scale);
        using var paint = new SKPaint { IsAntialias = true };
        canvas.DrawImage(digitImage, new SKRect(-14, -14, 14, 14), new SKSamplingOptions(SKFilterMode.Linear), paint);
        canvas.ResetMatrix();

        // Sensor-like noise, then JPEG.
        using var snapshot = surface.Snapshot();
        using var bitmap = SKBitmap.FromImage(snapshot);
        var pixels = bitmap.GetPixelSpan().ToArray();
        int noise = 4 + rng.NextInt(12);
        for (int p = 0; p < pixels.Length; p++)
        {
            if ((p & 3) == 3) continue;
            int v = pixels[p] + (int)(rng.NextGaussian() * noise);
            pixels[p] = (byte)Math.Clamp(v, 0, 255);
        }
        int quality = 40 + rng.NextInt(50);
        var jpeg = TestImages.Encode(pixels, w, h, SKEncodedImageFormat.Jpeg, quality);
        return (jpeg, $"{w}x{h} scale {scale:F2} angle {angle:F1} {(darkOnLight ? "dark-on-light" : "light-on-dark")} noise {noise} q{quality}");
    }

    private static byte Tint(byte level, SplitMix rng) => (byte)Math.Clamp(level + rng.NextInt(41) - 20, 0, 255);

    internal static string ShippedModelPath() => Path.Combine(global::Mnist.Testing.TestEnvironment.RepositoryRoot, "models", "mnist.onnx");
}
