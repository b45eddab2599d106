using Mnist.Engine.Formats.Onnx;
using Mnist.Inference.Tests.TestSupport;
using Mnist.Testing;
using SkiaSharp;

using Mnist.Imaging;

namespace Mnist.Inference.Tests;

/// <summary>Crafted model files and images against the inference layer (issue 18): refused at load or decode, cheaply.</summary>
public class CraftedInputTests
{
    [Theory]
    [InlineData(1_000_000)]
    [InlineData(2_739_150)] // × 784 floats overflows int: "Arithmetic operation resulted in an overflow" at load
    public void A_model_that_fixes_a_huge_batch_is_refused_at_load(int batch)
    {
        byte[] bytes = TestModels.Linear(inputDims: [batch, 1, 28, 28]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelLoadException>(() => OnnxDigitClassifier.Load(bytes));
        Assert.Contains($"fixes the batch at {batch}", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated more than 64 MB to refuse it");
    }

    [Fact]
    public void A_model_that_fixes_a_moderate_batch_still_loads()
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear(inputDims: [OnnxDigitClassifier.MaxFixedBatch, 1, 28, 28]));
        Assert.Equal(OnnxDigitClassifier.MaxFixedBatch, c.Model.FixedBatchSize);
    }

    [Fact]
    public void Mutated_png_and_jpeg_images_decode_or_are_refused_with_a_reason()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(40, 30, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var pen = new SKPaint { Color = SKColors.Black, StrokeWidth = 4, IsAntialias = true };
            canvas.DrawLine(20, 4, 20, 26, pen);
        }

        foreach (SKEncodedImageFormat format in (SKEncodedImageFormat[])[SKEncodedImageFormat.Png, SKEncodedImageFormat.Jpeg])
        {
            byte[] valid = bitmap.Encode(format, 90).ToArray();
            var (ran, accepted) = SeededMutator.Run(valid, seed: 18, cases: 1500, TimeSpan.FromSeconds(5), minimumCases: 200,
                allocationLimit: 64L << 20, bytes => ImageDecoder.Preprocess(bytes), typeof(ImageDecodeException));
            Assert.True(ran >= 200 && accepted > 0, $"{format}: {ran} cases, {accepted} accepted");
        }
    }
}
