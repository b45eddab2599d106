using Mnist.Engine.Tensors;
using Mnist.Inference.Tests.TestSupport;
using SkiaSharp;
using Xunit.Abstractions;

using Mnist.Imaging;
using Mnist.Tests.Shared;

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
            var (jpeg, description) = PhotoLikeRenderer.Render(TestImages.Digit(index), rng);
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

    internal static string ShippedModelPath() => Path.Combine(global::Mnist.Testing.TestEnvironment.RepositoryRoot, "models", "mnist.onnx");
}
