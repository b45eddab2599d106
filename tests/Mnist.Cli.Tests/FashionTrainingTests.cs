using System.Text.Json;
using Mnist.Engine.Training;

namespace Mnist.Cli.Tests;

/// <summary>
/// <c>mnist train --arch default --dataset fashion</c> trains the recipe's clothing variant end to end. Reads
/// Fashion-MNIST where the CLI finds it without <c>--data</c>: Debian's dataset-fashion-mnist, which CI installs.
/// </summary>
public class FashionTrainingTests
{
    [Fact]
    public void Default_on_fashion_trains_the_clothing_network_and_labels_the_run_with_it()
    {
        using var dir = new TempDir();
        string outDir = dir.File("fashion");
        var (exit, stdout, stderr) = MnistCli.Run(TimeSpan.FromMinutes(3),
            "train", "--arch", "default", "--dataset", "fashion", "--epochs", "1", "--limit", "512", "--test-limit", "300",
            "--out", outDir, "--json");
        Assert.True(exit == 0, stderr + stdout);

        var model = Checkpoint.Load(Path.Combine(outDir, "model.ckpt"));
        Assert.Equal(("clothing", "fashion", "default"), (model.State.Architecture, model.State.Dataset, model.State.Recipe));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var recipe = metrics.RootElement.GetProperty("recipe");
        Assert.Equal("default", recipe.GetProperty("name").GetString());
        Assert.Equal("clothing", recipe.GetProperty("architecture").GetString());
        Assert.Equal(0.5, recipe.GetProperty("augmentation").GetProperty("horizontal_flip_probability").GetDouble());
        Assert.Equal(0.0, recipe.GetProperty("augmentation").GetProperty("stroke_style_probability").GetDouble());

        using var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "model.json")));
        Assert.Equal("clothing", card.RootElement.GetProperty("architecture").GetString());
        Assert.Equal(436_906, card.RootElement.GetProperty("parameters").GetInt64());
        Assert.True(new FileInfo(Path.Combine(outDir, "report", "misclassified.png")).Length > 1000);
    }
}
