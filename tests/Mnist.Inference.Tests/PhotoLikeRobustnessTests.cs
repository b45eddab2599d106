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
    // Every second test digit. Issue 5's bound, 99 %, is held on 5,000 renderings: on the 1,000 it began with, one
    // binomial standard deviation was 0.31 point and two renderer seeds put the same model at 99.1 % and 98.8 %, so the
    // test told models apart by luck (0.14 point now). Low resolution and photo simulation in training lifted it.
    private const int Count = 5000;
    private const int Step = 2;
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
            int index = i * Step;
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
