using System.Text.Json;
using Mnist.Engine.Formats;
using Mnist.Engine.Training;

namespace Mnist.Cli.Tests;

public class TrainPhotosTests
{
    [Fact]
    public void A_run_with_photos_records_the_share_in_its_metrics_and_checkpoint()
    {
        using var dir = new TempDir();
        string outDir = dir.File("run");
        var (code, _, stderr) = MnistCli.Run(TimeSpan.FromMinutes(3),
            "train", "--arch", "lenet", "--epochs", "1", "--limit", "500", "--test-limit", "500", "--photos", "0.5",
            "--data", MnistCli.MnistFolder(), "--out", outDir, "--json");
        Assert.True(code == 0, stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var augmentation = metrics.RootElement.GetProperty("recipe").GetProperty("augmentation");
        Assert.Equal(0.5, augmentation.GetProperty("photo_probability").GetDouble());
        Assert.Equal(3.0, augmentation.GetProperty("photo_scale_max").GetDouble());
        Assert.Contains("--photos 0.5", metrics.RootElement.GetProperty("command_line").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.5f, Checkpoint.Load(Path.Combine(outDir, "checkpoint.bin")).State.PhotoProbability);
        // The model card says so in its training data, not only in the command line.
        var card = ModelCard.Load(Path.Combine(outDir, "model.json"));
        Assert.Contains("seen as in a photo (PhotoSimulator): 0.5 of all samples", card.TrainingData, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--photos must be 0–1", "--photos", "1.5")]
    [InlineData("--photos must be 0–1", "--photos", "-0.1")]
    [InlineData("--photos is for digits", "--photos", "0.5", "--dataset", "fashion")]
    public void Photo_options_are_checked(string message, params string[] options)
    {
        var (code, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(2),
            ["train", .. options, "--out", Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N"))]);
        Assert.Equal(2, code);
        Assert.Contains(message, stdout + stderr, StringComparison.Ordinal);
    }
}
