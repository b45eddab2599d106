using System.ComponentModel;
using System.Globalization;
using Mnist.Engine.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist export --model FILE --format onnx|tflite --out FILE</c>: reads an ONNX model into the managed engine and
/// writes it as ONNX (re-export with the project's I/O contract and model card) or TFLite. The output is written
/// atomically: on any error no output file appears. Exit codes: 0 success, 1 unreadable/unsupported model or write error.
/// </summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>")]
        [Description("The ONNX model to convert (the project's saved model format, or a third-party ONNX file).")]
        public string? Model { get; init; }

        [CommandOption("--format <FORMAT>")]
        [Description("Output format: onnx or tflite.")]
        public string? Format { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Output file.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model FILE is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE is required.");
            if (Format is not ("onnx" or "tflite")) return ValidationResult.Error($"--format must be onnx or tflite (got '{Format}').");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string model = settings.Model!, output = settings.Out!;
        if (!File.Exists(model)) return Fail($"Model file '{model}' does not exist.");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (dir is not null && !Directory.Exists(dir)) return Fail($"Output directory '{dir}' does not exist.");
        try
        {
            ImportedModel imported = OnnxImporter.Load(model);
            ModelCard card = imported.Card ?? ModelCard.Create(imported.Model,
                architecture: $"imported:{Path.GetFileNameWithoutExtension(model)}",
                dataset: "unknown",
                commandLine: "mnist " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
            if (!imported.OutputIsProbabilities)
                AnsiConsole.MarkupLine("[yellow]note:[/] the input model outputs logits; the exported model appends Softmax.");
            long bytes;
            if (settings.Format == "onnx")
            {
                byte[] data = OnnxExporter.ExportBytes(imported.Model, card);
                AtomicFile.WriteAllBytes(output, data);
                bytes = data.Length;
            }
            else
            {
                byte[] data = TfLiteExporter.Export(imported.Model, card);
                AtomicFile.WriteAllBytes(output, data);
                bytes = data.Length;
            }

            var stats = ModelStatistics.Compute(imported.Model);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"wrote [green]{output}[/] ({settings.Format}, {bytes:N0} bytes; {stats.Parameters:N0} parameters, {stats.FlopsPerItem / 1e6:F2} MFLOPs per digit)");
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or UnauthorizedAccessException or FormatException or ArgumentException or OverflowException)
        {
            return Fail($"{e.GetType().Name}: {e.Message}");
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }
}
