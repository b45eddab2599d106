using System.Text.Json;
using Mnist.Engine.Training;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Mnist.Cli.Tests;

/// <summary>One quick <c>mnist train --json</c> run (lenet, 1 epoch, 1,000 training and 2,000 test images) shared by the tests.</summary>
public sealed class TrainedRun : IDisposable
{
    private readonly TempDir _dir = new();

    private readonly Lazy<(int ExitCode, string StdOut, string StdErr)> _run;

    public TrainedRun()
    {
        OutDir = _dir.File("run");
        // Run on first use, inside a test: without MNIST that test becomes a visible skip, where an exception in this
        // constructor would fail every test of the class.
        _run = new(() => MnistCli.Run(TimeSpan.FromMinutes(3),
            "train", "--arch", "lenet", "--epochs", "1", "--limit", "1000", "--test-limit", "2000",
            "--data", MnistCli.MnistFolder(), "--out", OutDir, "--json"));
    }

    public string OutDir { get; }
    public int ExitCode => _run.Value.ExitCode;
    public string StdOut => _run.Value.StdOut;
    public string StdErr => _run.Value.StdErr;

    public string[] Lines => StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Dispose() => _dir.Dispose();
}

public class TrainCommandTests(TrainedRun run) : IClassFixture<TrainedRun>
{
    private static string[] Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public void Json_mode_prints_one_object_per_epoch_then_the_final_line_and_nothing_else()
    {
        Assert.True(run.ExitCode == 0, run.StdErr);
        var lines = run.Lines;
        Assert.Equal(2, lines.Length);
        using var epoch = JsonDocument.Parse(lines[0]);
        Assert.Equal(["epoch", "train_loss", "test_accuracy", "seconds"], Keys(epoch.RootElement));
        Assert.Equal(1, epoch.RootElement.GetProperty("epoch").GetInt32());
        Assert.InRange(epoch.RootElement.GetProperty("train_loss").GetDouble(), 0.01, 3);
        Assert.InRange(epoch.RootElement.GetProperty("test_accuracy").GetDouble(), 0.2, 1);
        Assert.True(epoch.RootElement.GetProperty("seconds").GetDouble() > 0);

        using var final = JsonDocument.Parse(lines[1]);
        Assert.Equal(["model", "test_accuracy", "seconds"], Keys(final.RootElement));
        string model = final.RootElement.GetProperty("model").GetString()!;
        Assert.True(File.Exists(model), model);
        Assert.Equal(epoch.RootElement.GetProperty("test_accuracy").GetDouble(), final.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(epoch.RootElement.GetProperty("seconds").GetDouble(), final.RootElement.GetProperty("seconds").GetDouble());
        Assert.Equal("", run.StdErr.Trim());
    }

    [Fact]
    public void The_run_folder_holds_model_checkpoint_metrics_and_report()
    {
        Assert.True(run.ExitCode == 0, run.StdErr);
        var model = Checkpoint.Load(Path.Combine(run.OutDir, "model.ckpt"));
        Assert.False(model.HasOptimizerState);
        Assert.Equal("lenet", model.State.Architecture);
        var checkpoint = Checkpoint.Load(Path.Combine(run.OutDir, "checkpoint.bin"));
        Assert.True(checkpoint.HasOptimizerState);
        Assert.Equal(1, checkpoint.State.EpochsCompleted);
        Assert.Equal(model.Parameters.Values.SelectMany(v => v), checkpoint.Parameters.Values.SelectMany(v => v));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.OutDir, "metrics.json")));
        var m = metrics.RootElement;
        Assert.Equal("lenet", m.GetProperty("recipe").GetProperty("name").GetString());
        Assert.Equal(1UL, m.GetProperty("seed").GetUInt64());
        Assert.Equal(1000, m.GetProperty("train_count").GetInt32());
        Assert.Equal(2000, m.GetProperty("test_count").GetInt32());
        Assert.Equal(1, m.GetProperty("epochs").GetArrayLength());
        Assert.Equal(10, m.GetProperty("per_class_accuracy").GetArrayLength());
        Assert.Equal(2000, m.GetProperty("confusion").EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(c => c.GetInt32()));
        Assert.True(m.GetProperty("machine").GetProperty("cores").GetInt32() >= 1);
        Assert.False(string.IsNullOrEmpty(m.GetProperty("machine").GetProperty("cpu").GetString()));
        Assert.Contains("--json", m.GetProperty("command_line").GetString(), StringComparison.Ordinal);

        string report = Path.Combine(run.OutDir, "report");
        foreach (string png in new[] { "loss.png", "accuracy.png", "confusion.png", "misclassified.png" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(report, png));
            Assert.True(bytes.Length > 2000, $"{png}: {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        string index = File.ReadAllText(Path.Combine(report, "index.md"));
        Assert.Contains("(confusion.png)", index, StringComparison.Ordinal);
        Assert.Contains("(misclassified.png)", index, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(run.OutDir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Eval_json_reports_accuracy_count_per_class_and_confusion()
    {
        Assert.True(run.ExitCode == 0, run.StdErr);
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2),
            "eval", "--model", Path.Combine(run.OutDir, "model.ckpt"), "--data", MnistCli.MnistFolder(), "--json");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var doc = JsonDocument.Parse(Assert.Single(lines));
        var e = doc.RootElement;
        Assert.Equal(["accuracy", "count", "per_class", "confusion"], Keys(e));
        Assert.Equal(10_000, e.GetProperty("count").GetInt32());
        Assert.InRange(e.GetProperty("accuracy").GetDouble(), 0.3, 1);
        Assert.Equal(10, e.GetProperty("per_class").GetArrayLength());
        Assert.All(e.GetProperty("per_class").EnumerateArray(), v => Assert.InRange(v.GetDouble(), 0, 1));
        var rows = e.GetProperty("confusion").EnumerateArray().ToArray();
        Assert.Equal(10, rows.Length);
        Assert.All(rows, r => Assert.Equal(10, r.GetArrayLength()));
        Assert.Equal(10_000, rows.SelectMany(r => r.EnumerateArray()).Sum(c => c.GetInt32()));
        int diagonal = Enumerable.Range(0, 10).Sum(i => rows[i][i].GetInt32());
        Assert.Equal(e.GetProperty("accuracy").GetDouble(), diagonal / 10_000.0, 12);
    }

    [Fact]
    public void Eval_of_a_missing_or_damaged_model_fails_with_a_message()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(1), "eval", "--model", dir.File("nope.ckpt"), "--json");
        Assert.Equal(1, code);
        Assert.Contains("not found", stderr, StringComparison.Ordinal);

        File.WriteAllBytes(dir.File("bad.ckpt"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(1), "eval", "--model", dir.File("bad.ckpt"), "--json");
        Assert.Equal(1, code);
        Assert.Contains("not an mnist-cs checkpoint", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Piped_progress_is_plain_lines_without_a_redrawn_bar()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(3),
            "train", "--arch", "lenet", "--epochs", "1", "--limit", "1000", "--test-limit", "1000",
            "--data", MnistCli.MnistFolder(), "--out", dir.File("run"));
        Assert.True(code == 0, stderr);
        // The live bar, printed to a pipe, came out as "… ETA 0:09: 8%" (description, colon, percentage).
        Assert.DoesNotMatch(@"ETA [0-9:]+: +[0-9]+%", stdout);
        Assert.Matches(@"(?m)^epoch +1 +train loss [0-9.]+ +test loss [0-9.]+ +test accuracy [0-9.]+% +training [0-9.]+ s$", stdout);
    }
}
