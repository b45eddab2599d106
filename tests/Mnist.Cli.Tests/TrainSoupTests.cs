using System.Text.Json;
using Mnist.Engine.Formats;
using Mnist.Engine.Training;

namespace Mnist.Cli.Tests;

/// <summary><c>mnist train --branches K</c>: a quick soup of two branches, what its folders, lines and card hold, and a
/// resume of it.</summary>
public sealed class TrainSoupTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int ExitCode, string StdOut, string StdErr) Train(string outDir, params string[] more) =>
        MnistCli.Run(TimeSpan.FromMinutes(3), [
            "train", "--arch", "lenet", "--epochs", "2", "--limit", "600", "--test-limit", "500", "--data", MnistCli.MnistFolder(),
            "--out", outDir, "--json", .. more]);

    [Fact]
    public void A_soup_trains_each_branch_in_its_folder_and_saves_the_mean_of_their_weights()
    {
        string outDir = _dir.File("soup");
        var (code, stdout, stderr) = Train(outDir, "--branches", "2", "--branch-after", "1");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        // Branch 1 trains epochs 1 and 2; branch 2 starts from branch 1's first epoch and trains epoch 2 only.
        Assert.Equal([(1, 1), (1, 2), (2, 2)], lines[..3].Select(l => (l.GetProperty("branch").GetInt32(), l.GetProperty("epoch").GetInt32())));
        Assert.Equal(4, lines.Length);
        var final = lines[3];
        Assert.Equal(2, final.GetProperty("branches").GetArrayLength());
        Assert.Equal(lines[1].GetProperty("test_accuracy").GetDouble(), final.GetProperty("branches")[0].GetDouble());
        Assert.Equal(lines[2].GetProperty("test_accuracy").GetDouble(), final.GetProperty("branches")[1].GetDouble());

        var one = Checkpoint.Load(Path.Combine(outDir, "branch-1", "model.ckpt"));
        var two = Checkpoint.Load(Path.Combine(outDir, "branch-2", "model.ckpt"));
        Assert.Equal(1UL, one.State.Seed);
        Assert.Equal(101UL, two.State.Seed);
        Assert.Equal(new BranchState(1, 1), two.State.Branch);
        float[] a = [.. one.Parameters.Values.SelectMany(v => v)], b = [.. two.Parameters.Values.SelectMany(v => v)];
        Assert.NotEqual(a, b);
        float[] soup = [.. Checkpoint.Load(Path.Combine(outDir, "model.ckpt")).Parameters.Values.SelectMany(v => v)];
        for (int i = 0; i < soup.Length; i++) Assert.Equal(a[i] / 2 + b[i] / 2, soup[i]);

        var card = OnnxImporter.Load(Path.Combine(outDir, "model.onnx")).Card!;
        Assert.Equal(final.GetProperty("test_accuracy").GetDouble(), Math.Round(card.TestAccuracy!.Value, 6));
        Assert.Contains("weight soup: the mean of 2 branches of the run parted after epoch 1 (data seeds 1, 101)", card.TrainingData, StringComparison.Ordinal);
        Assert.Contains("--branches 2 --branch-after 1", card.CommandLine, StringComparison.Ordinal);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        Assert.Equal(final.GetProperty("test_accuracy").GetDouble(), metrics.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(101UL, metrics.RootElement.GetProperty("branches")[1].GetProperty("seed").GetUInt64());
        // The training time counts branch 1's first epoch once.
        double shared = one.State.History[0].Seconds;
        Assert.Equal(Math.Round(one.State.TrainSeconds + two.State.TrainSeconds - shared, 3), final.GetProperty("seconds").GetDouble(), 3);

        // Resuming a finished soup trains nothing and averages the same branches again.
        var (again, stdout2, stderr2) = MnistCli.Run(TimeSpan.FromMinutes(3), "train", "--resume", "--out", outDir, "--data", MnistCli.MnistFolder(), "--json");
        Assert.True(again == 0, stderr2);
        var only = stdout2.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(only);
        Assert.Equal(final.GetProperty("test_accuracy").GetDouble(), JsonDocument.Parse(only[0]).RootElement.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void A_soup_resumed_after_its_first_branch_trains_the_rest()
    {
        string outDir = _dir.File("soup");
        var (code, _, stderr) = Train(outDir, "--branches", "3", "--branch-after", "1");
        Assert.True(code == 0, stderr);
        float[] expected = [.. Checkpoint.Load(Path.Combine(outDir, "model.ckpt")).Parameters.Values.SelectMany(v => v)];
        // As if stopped before branches 2 and 3 ended: their folders gone, branch 1 and the branch point kept.
        Directory.Delete(Path.Combine(outDir, "branch-2"), recursive: true);
        File.Delete(Path.Combine(outDir, "branch-3", "model.ckpt"));
        File.Delete(Path.Combine(outDir, "model.ckpt"));
        var (again, stdout, stderr2) = MnistCli.Run(TimeSpan.FromMinutes(3), "train", "--resume", "--out", outDir, "--data", MnistCli.MnistFolder(), "--json");
        Assert.True(again == 0, stderr2);
        Assert.Contains("\"branch\":2", stdout, StringComparison.Ordinal);
        Assert.Equal(expected, Checkpoint.Load(Path.Combine(outDir, "model.ckpt")).Parameters.Values.SelectMany(v => v));
    }

    [Theory]
    [InlineData("--branch-after 1", "--branch-after needs --branches")]
    [InlineData("--branches 9", "--branches must be 1–8")]
    [InlineData("--branches 2 --branch-after 2", "part before the last epoch (2)")]
    public void Bad_soup_options_are_refused_with_one_clear_line(string options, string expected)
    {
        string outDir = _dir.File("bad");
        var (code, _, stderr) = Train(outDir, options.Split(' '));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(outDir, "branch-1")));
    }
}
