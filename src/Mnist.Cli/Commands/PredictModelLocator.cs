using Mnist.Cli.Cli;
using Mnist.Inference;

namespace Mnist.Cli.Commands;

/// <summary>Finds the shipped default model, <c>models/mnist.onnx</c>, for commands whose <c>--model</c> is omitted.</summary>
internal static class PredictModelLocator
{
    /// <summary>The default model's path relative to the repository (or the app's) root.</summary>
    public static readonly string RelativePath = Path.Combine("models", "mnist.onnx");

    /// <summary>
    /// Walks up from the current directory, then from the app's base directory, and returns the first
    /// <c>models/mnist.onnx</c> found; null when there is none.
    /// </summary>
    public static string? Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>
    /// The model to use: <paramref name="model"/> when given (it must be an ONNX file), else the default model.
    /// </summary>
    /// <exception cref="CliException">No default model, or the given one is missing, a folder or not ONNX.</exception>
    public static string Resolve(string? model)
    {
        if (model is not null)
        {
            InputFiles.RequireOnnxModel(model);
            return model;
        }
        return Find() ?? throw new CliException($"no --model given and no {RelativePath} found above the current or the app's folder.",
            "Pass --model FILE.onnx, or run from inside the repository.");
    }

    /// <summary>
    /// Loads <paramref name="model"/>, or the default model when it is null, with ONNX Runtime.
    /// </summary>
    /// <exception cref="CliException">The file is missing, not ONNX, or ONNX Runtime cannot load it (exit 1).</exception>
    public static OnnxDigitClassifier Load(string? model, OnnxClassifierOptions? options = null)
    {
        string path = Resolve(model);
        try
        {
            return OnnxDigitClassifier.Load(path, options);
        }
        catch (ModelLoadException e)
        {
            throw new CliException($"cannot load model '{path}': {ErrorReporter.Sentence(e.Message)}",
                "Give an ONNX model with the contract's input [N,1,28,28] and output [N,10], e.g. models/mnist.onnx.");
        }
    }
}
