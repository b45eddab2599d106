using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

public class WeightAverageTests
{
    private static TrainingRecipe Averaged => TrainingTestData.TinyRecipe with { WeightAverageDecay = 0.9 };

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(1001)]
    public void Blend_matches_the_scalar_formula(int length)
    {
        var random = new Random(length);
        var average = Enumerable.Range(0, length).Select(_ => random.NextSingle() * 4 - 2).ToArray();
        var current = Enumerable.Range(0, length).Select(_ => random.NextSingle() * 4 - 2).ToArray();
        var expected = average.Select((a, i) => a + (1f - 0.93f) * (current[i] - a)).ToArray();
        WeightAverage.Blend(average, current, 0.93f);
        Assert.Equal(expected, average);
    }

    [Fact]
    public void The_average_follows_the_decay_schedule_over_parameters_and_batchnorm_statistics()
    {
        var model = TrainingTestData.TinyNet(3);
        var start = (float[])model.Parameters.Values.Clone();
        var average = new WeightAverage(model, 0.5);
        // Step 1: decay min(0.5, 2/11) = 2/11 keeps 2/11 of the start and takes 9/11 of the new weights.
        Array.Fill(model.Parameters.Values, 1f);
        var bn = model.UnfusedLayers.OfType<Mnist.Engine.Layers.BatchNorm<float>>().Single();
        Array.Fill(bn.RunningMean, 3f);
        average.Update(1);
        var target = TrainingTestData.TinyNet(4);
        average.CopyTo(target);
        for (int i = 0; i < start.Length; i++)
            Assert.InRange(target.Parameters.Values[i] - (start[i] * (2f / 11) + 9f / 11), -1e-5f, 1e-5f);
        Assert.All(target.UnfusedLayers.OfType<Mnist.Engine.Layers.BatchNorm<float>>().Single().RunningMean, m => Assert.InRange(m - 3f * 9 / 11, -1e-5f, 1e-5f));
        // A late step keeps at most the decay: 0.5.
        Array.Fill(model.Parameters.Values, 0f);
        average.Update(1000);
        average.CopyTo(target);
        for (int i = 0; i < start.Length; i++)
            Assert.InRange(target.Parameters.Values[i] - (start[i] * (2f / 11) + 9f / 11) * 0.5f, -1e-5f, 1e-5f);
    }

    [Fact]
    public void A_run_with_an_average_evaluates_and_saves_the_average_and_reports_the_last_weights()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        var session = TrainingSession.Start(Averaged, train, test, TrainingTestData.TinyOptions());
        var result = session.Run();
        Assert.NotSame(session.Model, session.FinalModel);
        Assert.NotEqual(session.Model.Parameters.Values, session.FinalModel.Parameters.Values);
        Assert.All(result.History, h => Assert.NotNull(h.LastWeightsAccuracy));
        Assert.Equal(Evaluation.Evaluate(session.FinalModel, test).Predictions, result.Final.Predictions);
        var saved = session.CreateCheckpoint(includeOptimizer: false);
        Assert.Equal(session.FinalModel.Parameters.Values, saved.Parameters.Values.SelectMany(v => v).ToArray());
        Assert.Equal(0.9, saved.State.WeightAverageDecay);
    }

    [Fact]
    public void Resume_mid_epoch_with_an_average_is_bit_identical()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        using var dir = new TempDir();
        var straight = TrainingSession.Start(Averaged, train, test, TrainingTestData.TinyOptions());
        var expected = straight.Run();

        string path = dir.File("checkpoint.bin");
        using var cts = new CancellationTokenSource();
        var first = TrainingSession.Start(Averaged, train, test, TrainingTestData.TinyOptions(path));
        first.Progress = p =>
        {
            if (p.Epoch == 2 && p.Batch == 4) cts.Cancel();
        };
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(cts.Token));
        var checkpoint = Checkpoint.Load(path);
        Assert.NotEmpty(checkpoint.Averages);
        var resumed = TrainingSession.Resume(Averaged, checkpoint, train, test, TrainingTestData.TinyOptions(path));
        var actual = resumed.Run();

        Assert.Equal(straight.FinalModel.Parameters.Values, resumed.FinalModel.Parameters.Values);
        Assert.Equal(expected.Final.Predictions, actual.Final.Predictions);
    }

    [Fact]
    public void Non_digits_train_with_a_uniform_target_and_resume_checks_them()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        using var dir = new TempDir();
        var options = TrainingTestData.TinyOptions(dir.File("checkpoint.bin")) with { NonDigits = new NonDigitTrainingSet(60) };
        var session = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, options);
        Assert.Equal(540, session.TrainCount);
        session.Run();
        var checkpoint = Checkpoint.Load(options.CheckpointPath!);
        Assert.Equal(60, checkpoint.State.NonDigits!.Shapes);
        var without = TrainingTestData.TinyOptions(options.CheckpointPath);
        var e = Assert.Throws<ArgumentException>(() => TrainingSession.Resume(TrainingTestData.TinyRecipe, checkpoint, train, test, without));
        Assert.Contains("non-digits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mined_non_digits_change_training_and_a_run_resumed_mid_epoch_is_bit_identical()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        using var dir = new TempDir();
        TrainingOptions Options(int mining, string? path = null) =>
            TrainingTestData.TinyOptions(path) with { NonDigits = new NonDigitTrainingSet(60, mining: mining) };

        var plain = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, Options(1));
        plain.Run();
        var straight = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, Options(3));
        var expected = straight.Run();
        Assert.NotEqual(plain.Model.Parameters.Values, straight.Model.Parameters.Values); // the second epoch saw other non-digits

        string path = dir.File("checkpoint.bin");
        using var cts = new CancellationTokenSource();
        var first = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, Options(3, path));
        first.Progress = p =>
        {
            if (p.Epoch == 2 && p.Batch == 3) cts.Cancel();
        };
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(cts.Token));
        var checkpoint = Checkpoint.Load(path);
        Assert.Equal((1, 3), (checkpoint.State.EpochsCompleted, checkpoint.State.BatchesCompleted));
        Assert.Equal(60, checkpoint.State.MinedDraws!.Length);

        var resumed = TrainingSession.Resume(TrainingTestData.TinyRecipe, checkpoint, train, test, Options(3, path));
        var actual = resumed.Run();
        Assert.Equal(straight.Model.Parameters.Values, resumed.Model.Parameters.Values);
        Assert.Equal(expected.History.Select(h => h.TrainLoss), actual.History.Select(h => h.TrainLoss));
        Assert.Null(Checkpoint.Load(path).State.MinedDraws); // kept only while an epoch is under way

        var e = Assert.Throws<ArgumentException>(() => TrainingSession.Resume(TrainingTestData.TinyRecipe, checkpoint, train, test, Options(2, path)));
        Assert.Contains("non-digits", e.Message, StringComparison.Ordinal);
    }
}
