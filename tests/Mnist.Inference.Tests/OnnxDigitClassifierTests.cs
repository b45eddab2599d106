using Mnist.Engine.Formats.Onnx;
using Mnist.Inference.Tests.TestSupport;

namespace Mnist.Inference.Tests;

public class OnnxDigitClassifierTests
{
    private const double Tol = 1e-5;

    private static float[] Batch(int n)
    {
        var x = new float[n * 784];
        for (int i = 0; i < n; i++) TestImages.DigitFloats(i).CopyTo(x, i * 784);
        return x;
    }

    private static void AssertMatchesHand(float[] x, float[] probs, int n)
    {
        for (int i = 0; i < n; i++)
        {
            double[] expected = TestModels.LinearExpected(x.AsSpan(i * 784, 784));
            for (int j = 0; j < 10; j++)
                Assert.True(Math.Abs(expected[j] - probs[i * 10 + j]) <= Tol,
                    $"image {i} class {j}: expected {expected[j]}, got {probs[i * 10 + j]}");
        }
    }

    public static TheoryData<string, OnnxDim[], InputLayout> Layouts => new()
    {
        { "nchw", ["N", 1, 28, 28], InputLayout.Nchw },
        { "nhwc", ["N", 28, 28, 1], InputLayout.Nhwc },
        { "hw", ["batch", 28, 28], InputLayout.Hw },
        { "flat", ["N", 784], InputLayout.Flat },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Softmax_model_matches_hand_computation_for_every_input_layout(string name, OnnxDim[] dims, InputLayout layout)
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear(softmax: true, inputDims: dims), fallbackName: name);
        Assert.Equal(layout, c.Model.InputLayout);
        Assert.True(c.Model.OutputsProbabilities);
        Assert.Equal("probe", c.Model.OutputKindSource);
        Assert.Null(c.Model.FixedBatchSize);
        float[] x = Batch(5);
        var probs = new float[50];
        c.ClassifyBatch(x, 5, probs);
        AssertMatchesHand(x, probs, 5);
    }

    [Fact]
    public void Logits_model_is_detected_and_gets_a_softmax()
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear(softmax: false, outputName: "logits"));
        Assert.False(c.Model.OutputsProbabilities);
        Assert.Equal("logits", c.Model.OutputName);
        float[] x = Batch(4);
        var probs = new float[40];
        c.ClassifyBatch(x, 4, probs);
        AssertMatchesHand(x, probs, 4);
    }

    [Fact]
    public void Output_kind_can_come_from_the_option_or_the_model_card()
    {
        byte[] logits = TestModels.Linear(softmax: false, outputName: "scores", metadata: new Dictionary<string, string> { ["output_kind"] = "logits" });
        using (var c = OnnxDigitClassifier.Load(logits))
        {
            Assert.False(c.Model.OutputsProbabilities);
            Assert.Equal("metadata", c.Model.OutputKindSource);
        }
        using (var c = OnnxDigitClassifier.Load(TestModels.Linear(softmax: true), new OnnxClassifierOptions { OutputKind = OutputKind.Probabilities }))
        {
            Assert.True(c.Model.OutputsProbabilities);
            Assert.Equal("option", c.Model.OutputKindSource);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(23)]
    public void Fixed_batch_model_pads_and_splits(int count)
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear(inputDims: [10, 1, 28, 28]));
        Assert.Equal(10, c.Model.FixedBatchSize);
        float[] x = Batch(count);
        var probs = new float[count * 10];
        c.ClassifyBatch(x, count, probs);
        AssertMatchesHand(x, probs, count);
    }

    [Fact]
    public void Dynamic_batch_larger_than_one_run_is_split()
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear(), new OnnxClassifierOptions { MaxRunBatch = 4 });
        float[] x = Batch(11);
        var probs = new float[110];
        c.ClassifyBatch(x, 11, probs);
        AssertMatchesHand(x, probs, 11);
    }

    [Fact]
    public void Model_info_carries_hash_etag_and_model_card()
    {
        byte[] bytes = TestModels.Linear();
        string path = TestModels.TempFile(bytes, ".onnx");
        try
        {
            using var c = OnnxDigitClassifier.Load(path);
            ModelInfo m = c.Model;
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), m.Sha256);
            Assert.Equal($"\"{m.Sha256}\"", m.ETag);
            Assert.Equal(bytes.Length, m.FileBytes);
            Assert.Equal("linear-test", m.Name);
            Assert.Equal("1", m.Metadata["preprocessing_version"]);
            Assert.Equal("input", m.InputName);
            Assert.Equal("probabilities", m.OutputName);
            Assert.Equal("onnxruntime", m.Runtime);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Classify_returns_digit_confidence_and_flag()
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear());
        float[] x = TestImages.DigitFloats(0);
        DigitPrediction p = c.Classify(x);
        double[] expected = TestModels.LinearExpected(x);
        int best = Array.IndexOf(expected, expected.Max());
        Assert.Equal(best, p.Digit);
        Assert.Equal(expected[best], p.Confidence, 5);
        Assert.Equal(10, p.Probabilities.Length);
        Assert.Throws<ArgumentException>(() => c.Classify(new float[783]));
    }

    [Fact]
    public void Concurrent_callers_get_the_serial_answers()
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear());
        float[] x = Batch(16);
        var serial = new float[160];
        c.ClassifyBatch(x, 16, serial);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var probs = new float[10];
            for (int k = 0; k < 50; k++)
            {
                int i = (t * 50 + k) % 16;
                c.ClassifyBatch(x.AsSpan(i * 784, 784), 1, probs);
                Assert.True(probs.AsSpan().SequenceEqual(serial.AsSpan(i * 10, 10)), $"thread {t} image {i}");
            }
        });
    }

    /// <summary>
    /// Hot reload disposes a classifier under load. Calls that straddle Dispose must finish with the same answers as
    /// before (the session is not released under them), every caller must then be refused, and no call completes
    /// after a refusal. The old version only checked completed + refused == 200, which any outcome satisfied.
    /// </summary>
    [Fact]
    public async Task Dispose_during_calls_lets_them_finish_and_refuses_later_ones()
    {
        const int n = 2048, callers = 2;
        float[] x = Batch(n);
        var expected = new float[n * 10];
        using (var reference = OnnxDigitClassifier.Load(TestModels.Linear())) reference.ClassifyBatch(x, n, expected);

        int straddled = 0;
        // A call straddles Dispose only if it is running at that instant; with two callers on long batches that is
        // almost always so, and a few attempts make it certain.
        for (int attempt = 0; attempt < 5 && straddled == 0; attempt++)
        {
            var c = OnnxDigitClassifier.Load(TestModels.Linear());
            int completed = 0, disposeReturned = 0;
            Task[] running = [.. Enumerable.Range(0, callers).Select(_ => Task.Run(() =>
            {
                var probs = new float[n * 10];
                while (true)
                {
                    try
                    {
                        c.ClassifyBatch(x, n, probs);
                    }
                    catch (ObjectDisposedException)
                    {
                        return; // refused: this caller makes no further call, so none completes after a refusal
                    }
                    Assert.True(probs.AsSpan().SequenceEqual(expected), "a call finished with different answers");
                    if (Volatile.Read(ref disposeReturned) != 0) Interlocked.Increment(ref straddled);
                    Interlocked.Increment(ref completed);
                }
            }))];
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref completed) >= 4, TimeSpan.FromSeconds(30)), "the callers did not get going");
            c.Dispose();
            Volatile.Write(ref disposeReturned, 1);
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(30)); // each caller ends only by being refused
            Assert.Throws<ObjectDisposedException>(() => c.ClassifyBatch(x, 1, new float[10]));
        }
        Assert.True(straddled > 0, "in 5 attempts no call was in flight at Dispose");
    }

    [Fact]
    public void Calls_after_dispose_throw()
    {
        var c = OnnxDigitClassifier.Load(TestModels.Linear());
        c.Dispose();
        Assert.Throws<ObjectDisposedException>(() => c.ClassifyBatch(new float[784], 1, new float[10]));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        using var c = OnnxDigitClassifier.Load(TestModels.Linear());
        Assert.Throws<ArgumentException>(() => c.ClassifyBatch(new float[784], 2, new float[20]));
        Assert.Throws<ArgumentException>(() => c.ClassifyBatch(new float[784], 1, new float[9]));
        Assert.Throws<ArgumentException>(() => c.ClassifyBatch(new float[784], -1, new float[10]));
        c.ClassifyBatch([], 0, []);
    }

    public static TheoryData<string, byte[], string> BadModels => new()
    {
        { "empty", [], "empty" },
        { "random bytes", TestModels.Floats(300, 5, 0, 255).Select(f => (byte)f).ToArray(), "Not a usable ONNX model" },
        { "five classes", TestModels.Linear(classes: 5), "expected a float32 tensor [N,10]" },
        { "three channels", TestModels.Linear(inputDims: ["N", 3, 28, 28]), "expected [N,1,28,28]" },
        { "wrong flat size", TestModels.Linear(inputDims: ["N", 783]), "expected [N,1,28,28]" },
    };

    [Theory]
    [MemberData(nameof(BadModels))]
    public void Invalid_models_throw_ModelLoadException_naming_the_problem(string name, byte[] bytes, string expected)
    {
        var e = Assert.Throws<ModelLoadException>(() => OnnxDigitClassifier.Load(bytes, fallbackName: name));
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Missing_file_throws_ModelLoadException()
    {
        var e = Assert.Throws<ModelLoadException>(() => OnnxDigitClassifier.Load("/nonexistent/model.onnx"));
        Assert.Contains("/nonexistent/model.onnx", e.Message, StringComparison.Ordinal);
    }
}
