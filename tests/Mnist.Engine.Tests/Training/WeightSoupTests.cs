using Mnist.Engine.Layers;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

public class WeightSoupTests
{
    private static TrainingRecipe Averaged => TrainingTestData.TinyRecipe with { WeightAverageDecay = 0.9, Epochs = 3 };

    private static BatchNorm<float> Norm(Sequential<float> model) => model.UnfusedLayers.OfType<BatchNorm<float>>().Single();

    [Fact]
    public void The_soup_is_the_mean_of_parameters_and_batchnorm_statistics()
    {
        var a = TrainingTestData.TinyNet(1);
        var b = TrainingTestData.TinyNet(2);
        var c = TrainingTestData.TinyNet(3);
        Array.Fill(Norm(a).RunningMean, 1f);
        Array.Fill(Norm(b).RunningMean, 2f);
        Array.Fill(Norm(c).RunningMean, 6f);
        Array.Fill(Norm(c).RunningVar, 4f);
        var soup = TrainingTestData.TinyNet(4);
        WeightSoup.Average([a, b, c], soup);
        for (int i = 0; i < soup.Parameters.Values.Length; i++)
        {
            float expected = (a.Parameters.Values[i] + b.Parameters.Values[i] + c.Parameters.Values[i]) / 3;
            Assert.InRange(soup.Parameters.Values[i] - expected, -1e-6f, 1e-6f);
        }
        Assert.All(Norm(soup).RunningMean, m => Assert.InRange(m - 3f, -1e-6f, 1e-6f));
        Assert.All(Norm(soup).RunningVar, v => Assert.InRange(v - 2f, -1e-6f, 1e-6f)); // (1 + 1 + 4) / 3
    }

    [Fact]
    public void A_soup_of_one_network_repeated_is_that_network()
    {
        var a = TrainingTestData.TinyNet(5);
        var soup = TrainingTestData.TinyNet(6);
        WeightSoup.Average([a, a, a, a], soup);
        Assert.Equal(a.Parameters.Values, soup.Parameters.Values);
    }

    [Fact]
    public void Networks_of_another_shape_are_refused()
    {
        var other = new Sequential<float>([1, 28, 28], [("flatten", new Flatten<float>()), ("fc", new Linear<float>(784, 10))]);
        var e = Assert.Throws<ArgumentException>(() => WeightSoup.Average([TrainingTestData.TinyNet(1), other], TrainingTestData.TinyNet(2)));
        Assert.Contains("Model 2", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => WeightSoup.Average([], TrainingTestData.TinyNet(2)));
    }

    [Fact]
    public void A_branch_with_the_run_s_own_seed_is_the_run_and_with_another_seed_it_departs()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        using var dir = new TempDir();
        string branchPoint = dir.File("branch-point.bin");
        var trunk = TrainingSession.Start(Averaged, train, test, TrainingTestData.TinyOptions(dir.File("checkpoint.bin")) with
        {
            BranchPointPath = branchPoint,
            BranchPointEpoch = 1,
        });
        trunk.Run();
        var point = Checkpoint.Load(branchPoint);
        Assert.Equal(1, point.State.EpochsCompleted);
        Assert.Null(point.State.Branch);

        var same = TrainingSession.Branch(Averaged, point, train, test, 7, TrainingTestData.TinyOptions());
        same.Run();
        Assert.Equal(trunk.FinalModel.Parameters.Values, same.FinalModel.Parameters.Values);

        string branchPath = dir.File("branch.bin");
        var other = TrainingSession.Branch(Averaged, point, train, test, 107, TrainingTestData.TinyOptions(branchPath));
        var result = other.Run();
        Assert.NotEqual(trunk.FinalModel.Parameters.Values, other.FinalModel.Parameters.Values);
        Assert.Equal(3, result.History.Count);
        Assert.Equal(trunk.History[0], result.History[0]); // the first epoch is the run's
        var saved = Checkpoint.Load(branchPath).State;
        Assert.Equal(107UL, saved.Seed);
        Assert.Equal(new BranchState(7, 1), saved.Branch);

        // Branches of one run average into a network that still reads digits; a branch of a branch is refused.
        var soup = TrainingTestData.TinyNet(9);
        WeightSoup.Average([trunk.FinalModel, other.FinalModel], soup);
        soup.Training = false;
        double worst = Math.Min(Evaluation.Evaluate(trunk.FinalModel, test).Accuracy, Evaluation.Evaluate(other.FinalModel, test).Accuracy);
        Assert.True(Evaluation.Evaluate(soup, test).Accuracy >= worst - 0.05);
        var e = Assert.Throws<ArgumentException>(() => TrainingSession.Branch(Averaged, Checkpoint.Load(branchPath), train, test, 3, TrainingTestData.TinyOptions()));
        Assert.Contains("branch already", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_starts_at_the_end_of_an_epoch_only()
    {
        var train = TrainingTestData.Train(480);
        var test = TrainingTestData.Test(200);
        using var dir = new TempDir();
        string path = dir.File("checkpoint.bin");
        using var cts = new CancellationTokenSource();
        var run = TrainingSession.Start(Averaged, train, test, TrainingTestData.TinyOptions(path));
        run.Progress = p =>
        {
            if (p.Epoch == 2 && p.Batch == 3) cts.Cancel();
        };
        Assert.ThrowsAny<OperationCanceledException>(() => run.Run(cts.Token));
        var e = Assert.Throws<ArgumentException>(() => TrainingSession.Branch(Averaged, Checkpoint.Load(path), train, test, 8, TrainingTestData.TinyOptions()));
        Assert.Contains("end of an epoch", e.Message, StringComparison.Ordinal);
    }
}
