using System.Globalization;
using Mnist.Engine.Formats;
using Mnist.Engine.Layers;
using Mnist.Engine.Training;

namespace Mnist.Cli.Commands;

/// <summary>A model read from a file, with what the file says about it.</summary>
/// <param name="Model">The network, in inference mode.</param>
/// <param name="Architecture">Architecture name, when the file records it.</param>
/// <param name="Dataset">Dataset id it was trained on (<c>mnist</c>, <c>fashion</c>), when the file records it.</param>
internal sealed record LoadedModel(Sequential<float> Model, string? Architecture, string? Dataset);

/// <summary>
/// The model files of a run: the single place that knows how models are written after training and read back
/// by <c>mnist eval</c> (and later <c>predict</c>/<c>serve</c>). New formats are added here and nowhere else.
/// </summary>
internal static class ModelFiles
{
    /// <summary>The engine's own model file, written for every run.</summary>
    public const string CheckpointModelName = "model.ckpt";

    /// <summary>The run's model in the contract's format (docs/design.md, "Model I/O").</summary>
    public const string OnnxModelName = "model.onnx";

    /// <summary>
    /// Writes the trained model into <paramref name="outDir"/> and returns the path to report as <c>model</c>.
    /// </summary>
    /// <param name="model">The network to save.</param>
    /// <param name="modelFile">Its engine model file, whose state gives the card's figures.</param>
    /// <param name="outDir">The run folder.</param>
    /// <param name="howMade">One more <c>training_data</c> entry of the card (how a weight soup was made), or null.</param>
    public static string Save(Sequential<float> model, Checkpoint modelFile, string outDir, string? howMade = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(modelFile);
        string ckpt = Path.Combine(outDir, CheckpointModelName);
        modelFile.Save(ckpt);

        // The saved model is ONNX (with the model card in its metadata); the checkpoint stays for the engine's own use.
        var state = modelFile.State;
        double? accuracy = state.History.Count > 0 ? state.History[^1].TestAccuracy : null;
        var card = ModelCard.Create(model, state.Architecture, state.Dataset, accuracy, state.TrainSeconds, state.Seed,
            TrainCommand.CommandLine()) with
        {
            TrainingData = string.Join("; ", new[]
            {
                state.Drawn is { } drawn ? drawn.ToCardEntry() : null,
                state.NonDigits is { } nonDigits ? "not a digit (uniform target): " + nonDigits.ToSummary() : null,
                state.Distillation is { } distillation ? "soft targets: " + distillation.ToSummary() : null,
                state.PhotoProbability > 0 ? string.Create(CultureInfo.InvariantCulture, $"seen as in a photo (PhotoSimulator): {state.PhotoProbability:0.##} of all samples, any label") : null,
                howMade,
            }.Where(part => part is not null)) is { Length: > 0 } data ? data : null,
        };
        string onnx = Path.Combine(outDir, OnnxModelName);
        OnnxExporter.Save(model, card, onnx);
        card.Save(Path.Combine(outDir, "model.json"));
        return onnx;
    }

    /// <summary>Reads a model file by its extension.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is damaged or not a model.</exception>
    /// <exception cref="NotSupportedException">A format this build cannot read yet.</exception>
    public static LoadedModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".ckpt" or ".bin":
                var cp = Checkpoint.Load(path);
                return new LoadedModel(cp.CreateModel(), cp.State.Architecture, cp.State.Dataset);
            case ".onnx":
                var imported = OnnxImporter.Load(path);
                return new LoadedModel(imported.Model, imported.Card?.Architecture, imported.Card?.Dataset);
            default:
                throw new NotSupportedException($"{path}: unknown model format '{Path.GetExtension(path)}'. Supported: .onnx, .ckpt (and a run's checkpoint.bin).");
        }
    }
}
