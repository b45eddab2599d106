using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Training;
using Xunit.Abstractions;

namespace Mnist.Engine.Tests.Training;

public class TrainingSessionTests(ITestOutputHelper output)
{
    /// <summary>The lenet network and Adam(1e-3) at batch 16: the recipe's batch of 128 gives only 16 steps on 2,000 digits
    /// (65.7%), batch 32 gives 77.8%, batch 16 84.2% (seed 1, 2 threads).</summary>
    [Fact]
    public void Lenet_one_epoch_on_2000_real_digits_scores_above_80_percent()
    {
        var train = TrainingTestData.Train(2000);
        var test = TrainingTestData.Test(1000);
        var progress = new List<TrainingProgress>();
        var session = TrainingSession.Start(TrainingRecipes.Get("lenet") with { BatchSize = 16 }, train, test, new TrainingOptions { Epochs = 1, Seed = 1 });
        session.Progress = progress.Add;
        var result = session.Run();

        output.WriteLine($"accuracy {result.Final.Accuracy:P2}, loss {result.History[0].TrainLoss:F4}, train {result.TrainSeconds:F2} s, wall {result.WallSeconds:F2} s");
        Assert.True(result.Final.Accuracy > 0.80, $"accuracy {result.Final.Accuracy:P2}");
        var m = Assert.Single(result.History);
        Assert.Equal(1, m.Epoch);
        Assert.Equal(2000, m.Samples);
        Assert.Equal(result.Final.Accuracy, m.TestAccuracy);
        Assert.True(m.Seconds > 0 && m.Seconds <= result.WallSeconds);
        Assert.Equal(session.BatchesPerEpoch, progress.Count);
        Assert.Equal(125, session.BatchesPerEpoch);
        Assert.Equal(Enumerable.Range(1, 125), progress.Select(p => p.Batch));
        Assert.Equal(TimeSpan.Zero, progress[^1].Eta);
    }

    [Fact]
    public void Evaluation_counts_agree_with_each_other()
    {
        var test = TrainingTestData.Test(300);
        var model = Networks.Architectures.Create<float>("lenet", 3);
        var r = Evaluation.Evaluate(model, test, batchSize: 128);
        Assert.Equal(300, r.Count);
        Assert.Equal(300, r.Confusion.Total);
        Assert.Equal(test.ClassCounts(), r.PerClassCount);
        Assert.Equal(r.Correct, Enumerable.Range(0, 10).Sum(c => r.Confusion[c, c]));
        Assert.Equal(r.Count - r.Correct, r.Misclassified().Count());
        Assert.Equal(test.Labels.Select(b => (int)b), r.Labels);
        Assert.All(r.Confidences, c => Assert.InRange(c, 0.09f, 1f));
        Assert.InRange(r.MeanLoss, 1.5, 3.5); // untrained: about ln 10
    }

    [Fact]
    public void Resume_after_an_epoch_is_bit_identical_to_an_uninterrupted_run()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        using var dir = new TempDir();

        var straight = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, TrainingTestData.TinyOptions());
        var expected = straight.Run();

        string path = dir.File("checkpoint.bin");
        using var cts = new CancellationTokenSource();
        var first = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, TrainingTestData.TinyOptions(path));
        first.EpochCompleted = _ => cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(cts.Token));
        var cp = Checkpoint.Load(path);
        Assert.Equal(1, cp.State.EpochsCompleted);
        Assert.Equal(0, cp.State.BatchesCompleted);

        var resumed = TrainingSession.Resume(TrainingTestData.TinyRecipe, cp, train, test, TrainingTestData.TinyOptions(path));
        var actual = resumed.Run();

        Assert.Equal(straight.Model.Parameters.Values, resumed.Model.Parameters.Values);
        Assert.Equal(expected.History.Select(h => (h.TrainLoss, h.TestAccuracy, h.TestLoss)), actual.History.Select(h => (h.TrainLoss, h.TestAccuracy, h.TestLoss)));
        Assert.Equal(expected.Final.Predictions, actual.Final.Predictions);
        Assert.Equal(1, actual.ResumedFromEpoch);
    }

    [Fact]
    public void Cancel_mid_epoch_saves_the_batch_position_and_resume_is_bit_identical()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        using var dir = new TempDir();

        var straight = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, TrainingTestData.TinyOptions());
        var expected = straight.Run();

        string path = dir.File("checkpoint.bin");
        using var cts = new CancellationTokenSource();
        var first = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, TrainingTestData.TinyOptions(path));
        first.Progress = p =>
        {
            if (p.Epoch == 2 && p.Batch == 3) cts.Cancel();
        };
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(cts.Token));
        var cp = Checkpoint.Load(path);
        Assert.Equal((1, 3), (cp.State.EpochsCompleted, cp.State.BatchesCompleted));
        Assert.Equal(10 + 3, cp.StepCount); // 480 / 50 → 10 batches per epoch

        var resumed = TrainingSession.Resume(TrainingTestData.TinyRecipe, cp, train, test, TrainingTestData.TinyOptions(path));
        var actual = resumed.Run();

        Assert.Equal(straight.Model.Parameters.Values, resumed.Model.Parameters.Values);
        Assert.Equal(expected.History.Select(h => h.TrainLoss), actual.History.Select(h => h.TrainLoss));
        Assert.Equal(expected.Final.Predictions, actual.Final.Predictions);
    }

    [Fact]
    public void A_dataset_variant_chooses_the_network_epochs_and_augmentation_and_resume_keeps_them()
    {
        var train = TrainingTestData.Train(100);
        var test = TrainingTestData.Test(50);
        var recipe = TrainingTestData.TinyRecipe with
        {
            ByDataset = new Dictionary<string, DatasetVariant> { ["fashion"] = new() { Architecture = "tiny-clothing", Epochs = 1, Augmentation = AugmentationOptions.Clothing } },
        };
        var built = new List<string>();
        var options = TrainingTestData.TinyOptions() with { ModelFactory = (arch, seed) => { built.Add(arch); return TrainingTestData.TinyNet(seed); } };

        var digits = TrainingSession.Start(recipe, train, test, options);
        Assert.Equal(("tiny", 2), (digits.Recipe.Architecture, digits.Epochs));
        Assert.Same(AugmentationOptions.Light, digits.Recipe.Augmentation);

        var clothing = TrainingSession.Start(recipe, train, test, options with { Dataset = "fashion" });
        Assert.Equal(("tiny-clothing", 1), (clothing.Recipe.Architecture, clothing.Epochs));
        Assert.Same(AugmentationOptions.Clothing, clothing.Recipe.Augmentation);
        Assert.Equal("tiny", clothing.Recipe.Name);
        var cp = clothing.CreateCheckpoint();
        Assert.Equal(("tiny-clothing", "fashion"), (cp.State.Architecture, cp.State.Dataset));

        // Resume is given the recipe as registered; the checkpoint's dataset picks the variant again.
        var resumed = TrainingSession.Resume(recipe, cp, train, test, options);
        Assert.Equal("tiny-clothing", resumed.Recipe.Architecture);
        Assert.Equal(["tiny", "tiny-clothing", "tiny-clothing"], built);
    }

    [Fact]
    public void Resume_rejects_another_recipe_or_training_set_size()
    {
        var train = TrainingTestData.Train(100);
        var test = TrainingTestData.Test(50);
        var session = TrainingSession.Start(TrainingTestData.TinyRecipe, train, test, TrainingTestData.TinyOptions());
        var cp = session.CreateCheckpoint();
        Assert.Throws<ArgumentException>(() => TrainingSession.Resume(TrainingRecipes.Get("lenet"), cp, train, test));
        Assert.Throws<ArgumentException>(() => TrainingSession.Resume(TrainingTestData.TinyRecipe, cp, TrainingTestData.Train(120), test, TrainingTestData.TinyOptions()));
        Assert.Throws<ArgumentException>(() => TrainingSession.Resume(TrainingTestData.TinyRecipe, session.CreateCheckpoint(includeOptimizer: false), train, test, TrainingTestData.TinyOptions()));
    }
}
