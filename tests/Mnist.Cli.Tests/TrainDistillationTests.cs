using System.Security.Cryptography;
using System.Text.Json;
using Mnist.Engine.Formats;
using Mnist.Engine.Training;

namespace Mnist.Cli.Tests;

/// <summary><c>mnist train --teachers</c>: a quick distilled run with the shipped model as teacher, what it records, and a resume that must name the same teachers.</summary>
public sealed class TrainDistillationTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static string ShippedModel => Path.Combine(MnistCli.RepoRoot, "models", "mnist.onnx");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_distilled_run_records_its_teachers_by_name_and_hash_and_resume_needs_the_same_teachers()
    {
        string outDir = _dir.File("run");
        var (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(3),
            "train", "--arch", "lenet", "--epochs", "1", "--limit", "300", "--test-limit", "200", "--data", MnistCli.MnistFolder(),
            "--teachers", ShippedModel + "," + ShippedModel, "--distill-weight", "0.8", "--distill-temperature", "2", "--out", outDir, "--json");
        Assert.True(code == 0, stderr);
        string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ShippedModel)));

        var saved = Checkpoint.Load(Path.Combine(outDir, "checkpoint.bin")).State.Distillation;
        Assert.NotNull(saved);
        Assert.Equal([("mnist.onnx", sha), ("mnist.onnx", sha)], saved.Teachers.Select(t => (t.File, t.Sha256)));
        Assert.Equal((0.8, 2.0), (saved.Weight, saved.Temperature));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var d = metrics.RootElement.GetProperty("distillation");
        Assert.Equal(sha, d.GetProperty("teachers")[1].GetProperty("sha256").GetString());
        Assert.Equal(0.8, d.GetProperty("weight").GetDouble());
        string commandLine = metrics.RootElement.GetProperty("command_line").GetString()!;
        Assert.Contains("--teachers mnist.onnx,mnist.onnx ", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetDirectoryName(ShippedModel)!, commandLine, StringComparison.Ordinal);
        // The data and run folders were given as absolute paths: recorded by their names only.
        Assert.Contains($"--data {Path.GetFileName(Path.TrimEndingDirectorySeparator(MnistCli.MnistFolder()))} ", commandLine, StringComparison.Ordinal);
        Assert.Contains("--out run ", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetDirectoryName(outDir)!, commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(MnistCli.MnistFolder()))!, commandLine, StringComparison.Ordinal);

        var card = ModelCard.Load(Path.Combine(outDir, "model.json"));
        Assert.Contains($"soft targets: distilled from the mean softmax of mnist.onnx (sha256:{sha})", card.TrainingData, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetDirectoryName(ShippedModel)!, card.CommandLine, StringComparison.Ordinal);

        // Resume: without --teachers, or with another weight, it refuses before training.
        (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(1), "train", "--resume", "--out", outDir, "--data", MnistCli.MnistFolder());
        Assert.Equal(1, code);
        Assert.Contains("give --teachers mnist.onnx,mnist.onnx again", stderr, StringComparison.Ordinal);
        (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(1), "train", "--resume", "--out", outDir, "--data", MnistCli.MnistFolder(),
            "--teachers", ShippedModel + "," + ShippedModel, "--distill-weight", "0.5");
        Assert.Equal(1, code);
        Assert.Contains("weight 0.8", stderr, StringComparison.Ordinal);
        Assert.Contains("weight 0.5", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--distill-weight 0.5", "--distill-weight and --distill-temperature need --teachers FILES")]
    [InlineData("--teachers a.onnx --distill-weight 1.5", "--distill-weight must be 0–1")]
    [InlineData("--teachers a.onnx --distill-temperature 0", "--distill-temperature must be above 0")]
    [InlineData("--teachers ,", "--teachers needs at least one model file")]
    public void Bad_distillation_options_are_usage_errors(string args, string expected)
    {
        var (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(1), ["train", .. args.Split(' ')]);
        Assert.True(code == 2, $"exit {code}; stderr: {stderr}");
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }
}
