using System.ComponentModel;
using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Mnist.Cli.Cli;
using Mnist.Engine.Data;
using Mnist.Engine.Formats;
using Mnist.Engine.Formats.Onnx;
using Mnist.Inference;
using Spectre.Console;
using Spectre.Console.Cli;
using Mnist.Engine.IO;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist export --model FILE --format onnx|tflite --out FILE</c>: reads an ONNX model into the managed engine and
/// writes it as ONNX (re-export with the project's I/O contract and model card) or TFLite. With <c>--int8</c> the ONNX
/// output is int8-quantized (<see cref="Int8Quantizer"/>), calibrated on MNIST training images from <c>--data</c> or
/// <c>$MNIST_DATA</c>, and both models are then scored on the test set with ONNX Runtime (the int8 accuracy goes into the
/// card). The output is written atomically: on any error no output file appears. Exit codes: 0 success,
/// 1 unreadable/unsupported model, missing data or write error, 2 a wrong command line.
/// </summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>")]
        [Description("The ONNX model to convert (the project's saved model format, or a third-party ONNX file).")]
        public string? Model { get; init; }

        [CommandOption("--format <FORMAT>")]
        [Description("Output format: onnx or tflite (default: from the --out file's extension, .onnx or .tflite; with --int8: onnx).")]
        public string? Format { get; init; }

        [CommandOption("--int8")]
        [Description("Write an int8-quantized ONNX model (same input/output contract), calibrated on MNIST training images.")]
        public bool Int8 { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("With --int8: MNIST data folder (default: $MNIST_DATA, else the per-user cache).")]
        public string? Data { get; init; }

        [CommandOption("--calibration <N>")]
        [Description("With --int8: training images to calibrate activation ranges on (default 2000).")]
        public int? Calibration { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Output file.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model FILE is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE is required.");
            if (Int8 && Format is not (null or "onnx")) return ValidationResult.Error($"--int8 writes ONNX; --format must be onnx or absent (got '{Format}').");
            if (!Int8 && Format is not (null or "onnx" or "tflite")) return ValidationResult.Error($"--format must be onnx or tflite (got '{Format}').");
            if (!Int8 && Format is null && ResolvedFormat is null)
                return ValidationResult.Error($"cannot tell the format from '{Out}'; give --format onnx|tflite, or an --out ending in .onnx or .tflite.");
            if (!Int8 && (Data is not null || Calibration is not null)) return ValidationResult.Error("--data and --calibration only apply with --int8.");
            if (Calibration is < 1 or > 60_000) return ValidationResult.Error("--calibration must be between 1 and 60000.");
            return ValidationResult.Success();
        }

        /// <summary>--format, else the one the --out extension names (<c>.onnx</c>, <c>.tflite</c>), else null.</summary>
        public string? ResolvedFormat => Format ?? (Int8 ? "onnx" : Path.GetExtension(Out ?? "").ToLowerInvariant() switch
        {
            ".onnx" => "onnx",
            ".tflite" => "tflite",
            _ => null,
        });
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string model = settings.Model!, output = settings.Out!, format = settings.ResolvedFormat!;
        InputFiles.RequireOnnxModel(model);
        if (Directory.Exists(output))
            throw CliException.Usage($"--out '{output}' is a folder; it needs a file name.", $"E.g. --out {Path.Combine(output, "model." + format)}.");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (dir is not null && !Directory.Exists(dir))
            throw new CliException($"the folder of --out, '{dir}', does not exist.", "Create it first, or choose another --out.");
        try
        {
            ImportedModel imported = OnnxImporter.Load(model);
            ModelCard card = imported.Card ?? ModelCard.Create(imported.Model,
                architecture: $"imported:{Path.GetFileNameWithoutExtension(model)}",
                dataset: "unknown",
                commandLine: "mnist " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
            if (!imported.OutputIsProbabilities)
                AnsiConsole.MarkupLine("[yellow]note:[/] the input model outputs logits; the exported model appends Softmax.");
            if (settings.Int8) return ExportInt8(imported, card, model, output, settings);
            long bytes;
            if (format == "onnx")
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
                $"wrote [green]{output}[/] ({format}, {bytes:N0} bytes; {stats.Parameters:N0} parameters, {stats.FlopsPerItem / 1e6:F2} MFLOPs per digit)");
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or UnauthorizedAccessException or FormatException or ArgumentException or OverflowException or DataFormatException or ModelLoadException or OnnxRuntimeException)
        {
            throw new CliException($"cannot export '{model}': {ErrorReporter.Sentence(e.Message)}",
                e switch
                {
                    DataFormatException => TrainCommand.DataHint(e) ?? "--int8 calibrates on MNIST: check --data or $MNIST_DATA.",
                    IOException or UnauthorizedAccessException => "Check that --model can be read and --out written.",
                    _ => "Give an ONNX model with the contract's input [N,1,28,28] and output [N,10].",
                });
        }
    }

    private static int ExportInt8(ImportedModel imported, ModelCard floatCard, string model, string output, Settings settings)
    {
        var location = DataLocator.Resolve(DatasetCatalog.Mnist, settings.Data);
        var (train, test) = MnistDataset.LoadTrainTest(location.Folder);
        int count = settings.Calibration ?? Int8Quantizer.DefaultCalibrationCount;
        float[] calibration = Int8Quantizer.CalibrationImages(train, count);
        byte[] source = File.ReadAllBytes(model);
        var card = floatCard with
        {
            TestAccuracy = null,
            CommandLine = "mnist " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            Machine = ModelCard.DescribeMachine(),
            CreatedUtc = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), // whole seconds, as ModelCard.Create
            QuantizedFrom = $"{Path.GetFileName(model)} sha256:{Convert.ToHexStringLower(SHA256.HashData(source))}",
        };
        ModelProto quantized = Int8Quantizer.Quantize(imported.Model, card, calibration);

        // Score both files in ONNX Runtime (the engine cannot run int8) and record the int8 accuracy in the card.
        float[] images = Int8Quantizer.CalibrationImages(test, test.Count); // every test image, in order
        int[] floatDigits = Predict(source, images, test.Count);
        int[] int8Digits = Predict(OnnxModel.Serialize(quantized), images, test.Count);
        int floatCorrect = 0, int8Correct = 0, agree = 0;
        for (int i = 0; i < test.Count; i++)
        {
            if (floatDigits[i] == test.Labels[i]) floatCorrect++;
            if (int8Digits[i] == test.Labels[i]) int8Correct++;
            if (floatDigits[i] == int8Digits[i]) agree++;
        }

        double accuracy = (double)int8Correct / test.Count;
        quantized.MetadataProps.RemoveAll(e => e.Key == "test_accuracy");
        quantized.MetadataProps.AddRange((card with { TestAccuracy = accuracy }).ToMetadata().Where(e => e.Key == "test_accuracy")
            .Select(e => new StringStringEntryProto(e.Key, e.Value)));
        byte[] data = OnnxModel.Serialize(quantized);
        AtomicFile.WriteAllBytes(output, data);
        var ic = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLineInterpolated(ic,
            $"wrote [green]{output}[/] (int8 onnx, {data.Length:N0} bytes; calibrated on {count:N0} training images from {location.Folder})");
        AnsiConsole.MarkupLine(string.Create(ic,
            $"{test.Count:N0} test digits in ONNX Runtime: float {floatCorrect * 100.0 / test.Count:F2}%, int8 [bold]{accuracy * 100:F2}%[/], top-1 agreement {agree * 100.0 / test.Count:F2}%"));
        return 0;
    }

    private static int[] Predict(byte[] onnx, float[] images, int count)
    {
        using var classifier = OnnxDigitClassifier.Load(onnx);
        var probabilities = new float[count * 10];
        classifier.ClassifyBatch(images, count, probabilities);
        var digits = new int[count];
        for (int i = 0; i < count; i++)
        {
            var row = probabilities.AsSpan(i * 10, 10);
            digits[i] = row.IndexOf(TensorPrimitives.Max(row));
        }

        return digits;
    }
}
