using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Tests.Layers;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

/// <summary>Knowledge distillation: the loss's values, the teachers' averaged soft targets, and what a run records and resumes.</summary>
public class DistillationTests
{
    [Fact]
    public void Loss_without_the_soft_term_is_the_cross_entropy_and_a_perfect_soft_match_costs_nothing()
    {
        var rng = new SplitMix(21);
        var logits = GradientCheck.Random([4, 10], rng);
        int[] labels = [1, 5, 9, 0];
        var soft = new double[40];
        for (int i = 0; i < 40; i++) soft[i] = 0.1;

        var ce = new SoftmaxCrossEntropyLoss<double>(0.1);
        var hardOnly = new DistillationLoss<double>(0, 3, 0.1);
        Assert.Equal(ce.Forward(logits, labels), hardOnly.Forward(logits, labels, soft), 12);
        for (int i = 0; i < 40; i++) Assert.Equal(ce.Backward().Data[i], hardOnly.Backward().Data[i], 12);

        // Soft targets equal to the student's own softmax at the temperature: KL 0, gradient 0.
        const double tau = 2.5;
        for (int r = 0; r < 4; r++)
        {
            double max = Enumerable.Range(0, 10).Max(c => logits.Data[r * 10 + c] / tau);
            double sum = Enumerable.Range(0, 10).Sum(c => Math.Exp(logits.Data[r * 10 + c] / tau - max));
            for (int c = 0; c < 10; c++) soft[r * 10 + c] = Math.Exp(logits.Data[r * 10 + c] / tau - max) / sum;
        }
        var softOnly = new DistillationLoss<double>(1, tau);
        Assert.Equal(0, softOnly.Forward(logits, labels, soft), 12);
        Assert.All(softOnly.Backward().Data, g => Assert.Equal(0, g, 12));
    }

    [Fact]
    public void Loss_rejects_weights_temperatures_and_shapes_out_of_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss<float>(1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss<float>(0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss<float>(double.NaN, 1));
        var loss = new DistillationLoss<float>(0.5, 1);
        Assert.Throws<ArgumentException>(() => loss.Forward(new Tensor<float>(2, 10), [1, 2], new float[10]));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(4.0)]
    public void Soft_targets_are_the_mean_of_each_teachers_softmax_at_the_temperature(double temperature)
    {
        Teacher[] teachers = [Tiny("a.onnx", 11), Tiny("b.onnx", 12), Tiny("c.onnx", 13)];
        var ensemble = new TeacherEnsemble(teachers);
        var x = Digits(6);
        var soft = new float[6 * 10];
        ensemble.SoftTargets(x, temperature, soft);

        var expected = new double[6 * 10];
        foreach (var t in teachers)
        {
            t.Model.Training = false;
            var z = t.Model.Forward(x).Span.ToArray();
            for (int r = 0; r < 6; r++)
            {
                double max = Enumerable.Range(0, 10).Max(c => z[r * 10 + c] / temperature);
                double sum = Enumerable.Range(0, 10).Sum(c => Math.Exp(z[r * 10 + c] / temperature - max));
                for (int c = 0; c < 10; c++) expected[r * 10 + c] += Math.Exp(z[r * 10 + c] / temperature - max) / sum / teachers.Length;
            }
        }
        for (int i = 0; i < soft.Length; i++) Assert.Equal(expected[i], soft[i], 6);
        for (int r = 0; r < 6; r++) Assert.Equal(1, soft.AsSpan(r * 10, 10).ToArray().Sum(), 5);

        // One teacher at temperature 1 gives its own predictions.
        var single = new float[6 * 10];
        new TeacherEnsemble([teachers[0]]).SoftTargets(x, 1, single);
        var predicted = Predictions.Predict(teachers[0].Model, x).Span.ToArray();
        for (int i = 0; i < single.Length; i++) Assert.Equal(predicted[i], single[i], 6);
    }

    [Fact]
    public void A_run_records_its_teachers_and_options_and_resumes_bit_identically()
    {
        var train = TrainingTestData.Train(300);
        var test = TrainingTestData.Test(100);
        using var dir = new TempDir();
        var options = TrainingTestData.TinyOptions() with { Distillation = new Distillation(Ensemble(), 0.7, 2) };

        var straight = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, options);
        var expected = straight.Run();

        string path = dir.File("checkpoint.bin");
        using var cts = new CancellationTokenSource();
        var first = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, options with { CheckpointPath = path });
        first.EpochCompleted = _ => cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(cts.Token));
        var saved = Checkpoint.Load(path).State.Distillation;
        Assert.NotNull(saved);
        Assert.Equal(["a.onnx", "b.onnx"], saved.Teachers.Select(t => t.File));
        Assert.Equal(["aa", "bb"], saved.Teachers.Select(t => t.Sha256));
        Assert.Equal((0.7, 2.0), (saved.Weight, saved.Temperature));
        Assert.Equal(options.Distillation!.Describe(), saved);

        var resumed = TrainingSession.Resume(TrainingTestData.TinyRecipe, Checkpoint.Load(path), train, test, options with { CheckpointPath = path });
        var actual = resumed.Run();
        Assert.Equal(straight.Model.Parameters.Values, resumed.Model.Parameters.Values);
        Assert.Equal(expected.History.Select(h => h.TrainLoss), actual.History.Select(h => h.TrainLoss));
    }

    [Fact]
    public void Resume_refuses_other_teachers_weight_or_temperature_and_a_change_to_or_from_none()
    {
        var train = TrainingTestData.Train(100);
        var test = TrainingTestData.Test(50);
        var options = TrainingTestData.TinyOptions() with { Distillation = new Distillation(Ensemble(), 0.5, 1) };
        var distilled = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, options).CreateCheckpoint();
        var plain = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, TrainingTestData.TinyOptions()).CreateCheckpoint();

        TrainingSession Resume(Checkpoint cp, Distillation? d) =>
            TrainingSession.Resume(TrainingTestData.TinyRecipe, cp, train, test, TrainingTestData.TinyOptions() with { Distillation = d });

        Assert.NotNull(Resume(distilled, options.Distillation));
        Assert.Contains("--teachers a.onnx,b.onnx", Assert.Throws<ArgumentException>(() => Resume(distilled, null)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Resume(distilled, options.Distillation! with { Weight = 0.6 }));
        Assert.Throws<ArgumentException>(() => Resume(distilled, options.Distillation! with { Temperature = 2 }));
        Assert.Throws<ArgumentException>(() => Resume(distilled, options.Distillation! with { Teachers = new TeacherEnsemble([Tiny("a.onnx", 11)]) }));
        Assert.Throws<ArgumentException>(() => Resume(distilled, options.Distillation! with { Teachers = new TeacherEnsemble([Tiny("a.onnx", 11) with { Sha256 = "other" }, Tiny("b.onnx", 12)]) }));
        Assert.Throws<ArgumentException>(() => Resume(plain, options.Distillation));
    }

    // The first n training digits as the loader gives them: [n,1,28,28], pixel/255.
    private static Tensor<float> Digits(int n)
    {
        var data = TrainingTestData.Train(n);
        var x = new Tensor<float>(n, 1, 28, 28);
        for (int i = 0; i < x.Length; i++) x.Data[i] = data.Images[i] / 255f;
        return x;
    }

    private static Teacher Tiny(string file, ulong seed) => new(file, new string(file[0], 2), TrainingTestData.TinyNet(seed));

    private static TeacherEnsemble Ensemble() => new([Tiny("a.onnx", 11), Tiny("b.onnx", 12)]);
}
