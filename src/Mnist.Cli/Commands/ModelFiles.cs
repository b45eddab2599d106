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

    /// <summary>
    /// Writes the trained model into <paramref name="outDir"/> and returns the path to report as <c>model</c>.
    /// </summary>
    public static string Save(Sequential<float> model, Checkpoint modelFile, string outDir)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(modelFile);
        string ckpt = Path.Combine(outDir, CheckpointModelName);
        modelFile.Save(ckpt);

        // ── ONNX export plugs in here ──────────────────────────────────────────────────────────
        // Once Mnist.Engine.Models.OnnxExporter exists: write Path.Combine(outDir, "model.onnx") from `model`
        // (model card from modelFile.State) and return that path, so `--json` reports the ONNX file.
        return ckpt;
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
            // case ".onnx": the ONNX importer goes here.
            default:
                throw new NotSupportedException($"{path}: unknown model format '{Path.GetExtension(path)}'. Supported: .ckpt (and a run's checkpoint.bin).");
        }
    }
}
