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
    /// Loads <paramref name="model"/>, or the default model when it is null, with ONNX Runtime; on failure prints one
    /// <c>error:</c> line and returns null (the caller exits with 2).
    /// </summary>
    public static OnnxDigitClassifier? Load(string? model, OnnxClassifierOptions? options = null)
    {
        string? path = model ?? Find();
        if (path is null)
        {
            Console.Error.WriteLine($"error: no model given and no {RelativePath} found above the current or the app's directory; pass --model FILE.");
            return null;
        }
        try
        {
            return OnnxDigitClassifier.Load(path, options);
        }
        catch (ModelLoadException e)
        {
            Console.Error.WriteLine($"error: cannot load model '{path}': {e.Message}");
            return null;
        }
    }
}
