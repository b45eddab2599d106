using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mnist.Engine.Training;

namespace Mnist.Cli.Tests;

/// <summary>SIGTERM and kill -9 during <c>mnist train</c>, then <c>--resume</c>: the run completes with a valid model.</summary>
public class InterruptionTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public void Sigterm_then_kill_9_then_resume_finishes_with_a_valid_model()
    {
        if (OperatingSystem.IsWindows()) return; // POSIX signals
        using var dir = new TempDir();
        string outDir = dir.File("run");
        string data = MnistCli.MnistFolder();
        string[] common = ["--data", data, "--out", outDir, "--json"];

        // 1. SIGTERM after the first epoch's line: checkpoint, exit 130, a hint how to resume.
        using (var p = MnistCli.Start(s_timeout, ["train", "--arch", "lenet", "--epochs", "3", "--limit", "2000", "--test-limit", "1000", .. common]))
        {
            string? first = p.ReadLine();
            Assert.True(first is not null, "no epoch line; stderr: " + p.StdErr);
            Assert.Equal(1, JsonDocument.Parse(first).RootElement.GetProperty("epoch").GetInt32());
            using (var kill = Process.Start("kill", ["-TERM", p.Process.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
            string rest = p.Process.StandardOutput.ReadToEnd();
            int exit = p.WaitForExit();
            Assert.True(exit == 130, $"exit code {exit}; stderr: {p.StdErr}; stdout after epoch 1: {rest}");
            Assert.Contains("--resume", p.StdErr, StringComparison.Ordinal);
        }
        var afterTerm = Checkpoint.Load(Path.Combine(outDir, "checkpoint.bin"));
        Assert.True(afterTerm.State.EpochsCompleted >= 1);
        Assert.False(File.Exists(Path.Combine(outDir, "model.ckpt")));

        // 2. Resume, then kill -9 as soon as it reports an epoch (it may be writing the next checkpoint by then).
        using (var p = MnistCli.Start(s_timeout, ["train", "--resume", .. common]))
        {
            string? line = p.ReadLine();
            Assert.True(line is not null, "no epoch line after resume; stderr: " + p.StdErr);
            p.Kill();
            Assert.NotEqual(0, p.WaitForExit());
        }
        var afterKill = Checkpoint.Load(Path.Combine(outDir, "checkpoint.bin")); // never truncated: the old or the new one, complete
        Assert.True(afterKill.State.EpochsCompleted >= 2, $"epochs completed: {afterKill.State.EpochsCompleted}");

        // 3. Resume again: finishes, the final line names a model that loads and scores in band.
        var (code, stdout, stderr2) = MnistCli.Run(s_timeout, ["train", "--resume", .. common]);
        Assert.True(code == 0, stderr2);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var final = JsonDocument.Parse(lines[^1]);
        string model = final.RootElement.GetProperty("model").GetString()!;
        double accuracy = final.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.InRange(accuracy, 0.75, 1.0); // lenet, 3 × 16 steps on 2,000 digits: 80.6% with seed 1

        // The same run without interruptions gives the same model, bit for bit (same machine, same thread count).
        string straightDir = dir.File("straight");
        var (straightCode, straightOut, straightErr) = MnistCli.Run(s_timeout,
            ["train", "--arch", "lenet", "--epochs", "3", "--limit", "2000", "--test-limit", "1000", "--data", data, "--out", straightDir, "--json"]);
        Assert.True(straightCode == 0, straightErr);
        using var straightFinal = JsonDocument.Parse(straightOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(accuracy, straightFinal.RootElement.GetProperty("test_accuracy").GetDouble());
        // The reported model is the ONNX file; the engine's checkpoint of the same weights sits beside it.
        Assert.EndsWith("model.onnx", model, StringComparison.Ordinal);
        string resumedCheckpoint = Path.Combine(Path.GetDirectoryName(model)!, "model.ckpt");
        Assert.Equal(
            Checkpoint.Load(Path.Combine(straightDir, "model.ckpt")).Parameters.Values.SelectMany(v => v),
            Checkpoint.Load(resumedCheckpoint).Parameters.Values.SelectMany(v => v));

        var loaded = Checkpoint.Load(resumedCheckpoint);
        Assert.Equal(3, loaded.State.EpochsCompleted);
        Assert.Equal(3, loaded.State.History.Count);
        Assert.Equal([1, 2, 3], loaded.State.History.Select(h => h.Epoch));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp"));

        var (evalCode, evalOut, evalErr) = MnistCli.Run(s_timeout, "eval", "--model", model, "--data", data, "--json");
        Assert.True(evalCode == 0, evalErr);
        Assert.InRange(JsonDocument.Parse(evalOut).RootElement.GetProperty("accuracy").GetDouble(), 0.75, 1.0);
    }
}
