namespace Mnist.Cli.Cli;

/// <summary>What a model file holds, judged by its first bytes rather than its name.</summary>
internal enum ModelFormat
{
    Unknown,
    Onnx,
    TfLite,
    Checkpoint,
}

/// <summary>
/// Checks of file arguments made before any loader sees them, so a folder, a TFLite file or a missing file gets a
/// message about the argument ("'x' is a folder; --model needs a file") instead of a loader's exception text.
/// </summary>
internal static class InputFiles
{
    /// <summary>Fails unless <paramref name="path"/> is an existing file; <paramref name="option"/> names the argument.</summary>
    public static void RequireFile(string path, string option)
    {
        if (Directory.Exists(path))
            throw new CliException($"'{path}' is a folder; {option} needs a file.", $"Give a file inside it, e.g. {Example(path, option)}.");
        if (!File.Exists(path))
            throw new CliException($"{option} '{path}': file not found.", "Check the path (relative paths start at the current folder).");
    }

    /// <summary>
    /// Fails unless <paramref name="path"/> is an existing ONNX model: the commands that run models through ONNX Runtime
    /// (predict, read, serve, export) take ONNX only.
    /// </summary>
    public static void RequireOnnxModel(string path, string option = "--model")
    {
        RequireFile(path, option);
        switch (Sniff(path))
        {
            case ModelFormat.TfLite:
                throw new CliException($"'{path}' is a TFLite model; {option} needs an ONNX model (.onnx).",
                    "TFLite files are for mobile apps; give the .onnx file it was exported from (the shipped one is models/mnist.onnx).");
            case ModelFormat.Checkpoint:
                throw new CliException($"'{path}' is an engine checkpoint; {option} needs an ONNX model (.onnx).",
                    "A training run writes model.onnx beside model.ckpt; give that file.");
        }
    }

    /// <summary>The format by content: TFLite's FlatBuffer identifier "TFL3" at offset 4, the checkpoint magic, or an
    /// ONNX protobuf (first field: ir_version, tag 0x08).</summary>
    public static ModelFormat Sniff(string path)
    {
        Span<byte> head = stackalloc byte[8];
        int read;
        using (FileStream stream = File.OpenRead(path))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        if (read >= 8 && head[4..8].SequenceEqual("TFL3"u8)) return ModelFormat.TfLite;
        if (head.StartsWith("MNISTCK"u8)) return ModelFormat.Checkpoint;
        if (read >= 1 && head[0] == 0x08) return ModelFormat.Onnx;
        return ModelFormat.Unknown;
    }

    /// <summary>A file in <paramref name="folder"/> to show in the hint: an .onnx one for --model, else the first.</summary>
    private static string Example(string folder, string option)
    {
        string pattern = option == "--model" ? "*.onnx" : "*";
        // A quantized companion (NAME.int8.onnx) is not what one usually means to pass: name the float file first.
        string? file = Directory.EnumerateFiles(folder, pattern).OrderBy(f => f.Contains(".int8.", StringComparison.Ordinal)).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        return file ?? Path.Combine(folder, "FILE");
    }
}
