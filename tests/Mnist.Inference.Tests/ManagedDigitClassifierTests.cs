using Mnist.Engine.Layers;
using Mnist.Inference.Tests.TestSupport;

namespace Mnist.Inference.Tests;

public class ManagedDigitClassifierTests
{
    private static float[] Batch(int n)
    {
        var x = new float[n * 784];
        for (int i = 0; i < n; i++) TestImages.DigitFloats(i).CopyTo(x, i * 784);
        return x;
    }

    [Fact]
    public void Lenet_logits_with_softmax_match_onnx_runtime_on_the_same_weights()
    {
        Sequential<float> lenet = TestModels.Lenet();
        using var managed = new ManagedDigitClassifier(lenet, outputsProbabilities: false);
        using var onnx = OnnxDigitClassifier.Load(TestModels.LenetOnnx(lenet, softmax: true));
        const int n = 12;
        float[] x = Batch(n);
        var a = new float[n * 10];
        var b = new float[n * 10];
        managed.ClassifyBatch(x, n, a);
        onnx.ClassifyBatch(x, n, b);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 + 1e-4 * Math.Abs(b[i]), $"index {i}: managed {a[i]}, onnx {b[i]}");
        Assert.False(managed.Model.OutputsProbabilities);
        Assert.Equal(InputLayout.Nchw, managed.Model.InputLayout);
        Assert.Equal("managed", managed.Model.Runtime);
    }

    [Fact]
    public void Onnx_logits_model_of_lenet_gets_the_same_softmax()
    {
        Sequential<float> lenet = TestModels.Lenet();
        using var managed = new ManagedDigitClassifier(lenet, outputsProbabilities: false);
        using var onnx = OnnxDigitClassifier.Load(TestModels.LenetOnnx(lenet, softmax: false));
        Assert.False(onnx.Model.OutputsProbabilities);
        float[] x = TestImages.DigitFloats(3);
        DigitPrediction a = managed.Classify(x), b = onnx.Classify(x);
        Assert.Equal(b.Digit, a.Digit);
        Assert.Equal(b.Confidence, a.Confidence, 4);
    }

    [Fact]
    public void Pool_of_instances_serves_concurrent_callers_with_the_serial_answers()
    {
        using var pooled = new ManagedDigitClassifier(TestModels.Lenet, instances: 3, outputsProbabilities: false);
        using var single = new ManagedDigitClassifier(TestModels.Lenet(), outputsProbabilities: false);
        Assert.Equal(3, pooled.Instances);
        const int n = 8;
        float[] x = Batch(n);
        var serial = new float[n * 10];
        single.ClassifyBatch(x, n, serial);
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var probs = new float[10];
            for (int k = 0; k < 10; k++)
            {
                int i = (t + k) % n;
                pooled.ClassifyBatch(x.AsSpan(i * 784, 784), 1, probs);
                for (int j = 0; j < 10; j++) Assert.Equal(serial[i * 10 + j], probs[j], 6);
            }
        });
    }

    [Fact]
    public void Batches_above_one_forward_pass_are_split()
    {
        using var c = new ManagedDigitClassifier(TestModels.Lenet(), outputsProbabilities: false);
        int n = ManagedDigitClassifier.MaxForwardBatch + 3;
        var x = new float[n * 784];
        float[] d = TestImages.DigitFloats(0);
        for (int i = 0; i < n; i++) d.CopyTo(x, i * 784);
        var probs = new float[n * 10];
        c.ClassifyBatch(x, n, probs);
        for (int j = 0; j < 10; j++) Assert.Equal(probs[j], probs[(n - 1) * 10 + j], 5);
    }

    [Fact]
    public void Models_without_the_contract_shapes_are_rejected()
    {
        var wrongOut = new Sequential<float>([1, 28, 28], [("flatten", new Flatten<float>()), ("fc", new Linear<float>(784, 5))]);
        Assert.Throws<ModelLoadException>(() => new ManagedDigitClassifier(wrongOut, false));
        var wrongIn = new Sequential<float>([700], [("fc", new Linear<float>(700, 10))]);
        Assert.Throws<ModelLoadException>(() => new ManagedDigitClassifier(wrongIn, false));
    }
}
