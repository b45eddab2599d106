using System.Diagnostics;
using Mnist.Inference.Tests.TestSupport;
using Xunit.Abstractions;

namespace Mnist.Inference.Tests;

/// <summary>
/// Measures the per-call cost of the classifiers on the engine's <c>lenet</c> (seeded weights, written as ONNX) and
/// prints it (run with <c>--logger "console;verbosity=detailed"</c>). Timing under a parallel test run is noisy, so
/// only gross regressions fail: the assertions are 20–50× above the numbers measured on this machine.
/// </summary>
public class LatencyMeasurementTests(ITestOutputHelper output)
{
    private static (double MicrosPerCall, long BytesPerCall) Measure(IDigitClassifier c, int batch, int iterations)
    {
        var x = new float[batch * 784];
        for (int i = 0; i < batch; i++) TestImages.DigitFloats(i).CopyTo(x, i * 784);
        var y = new float[batch * 10];
        for (int i = 0; i < Math.Max(5, iterations / 10); i++) c.ClassifyBatch(x, batch, y);
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) c.ClassifyBatch(x, batch, y);
        double micros = clock.Elapsed.TotalMicroseconds / iterations;
        return (micros, (GC.GetAllocatedBytesForCurrentThread() - bytes) / iterations);
    }

    [Fact]
    public void Onnx_runtime_lenet_per_call_cost()
    {
        using var c = OnnxDigitClassifier.Load(TestModels.LenetOnnx(TestModels.Lenet(), softmax: true));
        (double b1, long a1) = Measure(c, 1, 2000);
        (double b64, long a64) = Measure(c, 64, 40);
        output.WriteLine($"onnxruntime lenet, 1 intra-op thread: batch 1 {b1:F1} µs/call ({a1} B allocated/call); batch 64 {b64 / 64:F1} µs/sample ({b64 / 1000:F2} ms/call, {a64} B/call)");
        Assert.True(b1 < 5_000, $"batch 1: {b1} µs");
        Assert.True(a1 < 4096, $"batch 1 allocates {a1} B per call");
    }

    [Fact]
    public void Onnx_runtime_fixed_overhead_on_a_linear_model()
    {
        // Flatten → Gemm 784×10 → Softmax: 7,840 multiply-adds, so the time is mostly the per-call overhead.
        using var c = OnnxDigitClassifier.Load(TestModels.Linear());
        (double b1, long a1) = Measure(c, 1, 5000);
        output.WriteLine($"onnxruntime linear (overhead): batch 1 {b1:F1} µs/call ({a1} B allocated/call)");
        Assert.True(b1 < 2_000, $"batch 1: {b1} µs");
    }

    [Fact]
    public void Managed_engine_lenet_per_call_cost()
    {
        using var c = new ManagedDigitClassifier(TestModels.Lenet(), outputsProbabilities: false);
        (double b1, long a1) = Measure(c, 1, 300);
        (double b64, long a64) = Measure(c, 64, 10);
        output.WriteLine($"managed lenet: batch 1 {b1:F1} µs/call ({a1} B allocated/call); batch 64 {b64 / 64:F1} µs/sample ({b64 / 1000:F2} ms/call, {a64} B/call)");
        Assert.True(b1 < 50_000, $"batch 1: {b1} µs");
    }
}
