using System.ComponentModel;
using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Mnist.Cli.Cli;
using Mnist.Engine.Data;
using Mnist.Engine.Formats;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Training;
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
/// card). With <c>--unseen-writers FOLDS --drawn FILE</c> the ONNX re-export's card also records <c>unseen_writers</c>:
/// each fold (the model's training command run with <c>--drawn-writers</c> leaving some writers out) scored as
/// <c>mnist eval --drawn FILE --drawn-writers</c> on exactly the writers of FILE it was not trained on
/// (<see cref="UnseenWriters"/>). <c>--card FILE.json</c> also writes the written file's card as JSON (how
/// <c>models/mnist.json</c> is made). The output is written atomically: on any error no output file appears. Exit codes:
/// 0 success, 1 unreadable/unsupported model, missing data, folds that do not fit, or write error, 2 a wrong command line.
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

        [CommandOption("--unseen-writers <FOLDS>")]
        [Description("Comma-separated ONNX models, each trained by the model's command with --drawn-writers leaving some writers of --drawn out. "
            + "Each is scored on exactly the writers it did not see (as eval --drawn --drawn-writers does) and the card records the figures "
            + "and the protocol as unseen_writers. ONNX float output only.")]
        public string? UnseenWriters { get; init; }

        [CommandOption("--drawn <FILE>")]
        [Description("With --unseen-writers: the drawn digits (JSON lines) the folds were trained on, by the same file name.")]
        public string? Drawn { get; init; }

        [CommandOption("--card <FILE>")]
        [Description("Also write the written model's card as JSON (e.g. --out models/mnist.onnx --card models/mnist.json), the same fields as its metadata.")]
        public string? Card { get; init; }

        /// <summary>The --unseen-writers files.</summary>
        public string[] Folds => UnseenWriters is null ? [] : [.. UnseenWriters.Split(',').Select(f => f.Trim())];

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
            if (Card is not null && !Card.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                return ValidationResult.Error($"--card '{Card}': the card is written as JSON; give a file ending in .json.");
            if (Card is not null && Out is not null && Path.GetFullPath(Card) == Path.GetFullPath(Out))
                return ValidationResult.Error("--card and --out name the same file.");
            if (Drawn is not null && UnseenWriters is null) return ValidationResult.Error("--drawn only applies with --unseen-writers FOLDS.");
            if (UnseenWriters is not null)
            {
                if (Drawn is null) return ValidationResult.Error("--unseen-writers needs --drawn FILE, the drawn digits the folds were trained on.");
                if (Folds.Any(string.IsNullOrEmpty)) return ValidationResult.Error($"--unseen-writers: an empty file name in '{UnseenWriters}'; give FOLD_A.onnx,FOLD_B.onnx,….");
                // The figures are the float model's: the int8 file is quantized afterwards from the re-exported one,
                // and a TFLite file converted from it carries its card.
                if (Int8) return ValidationResult.Error("--unseen-writers records the float model's figures; re-export without --int8, then quantize the written file.");
                if (ResolvedFormat != "onnx") return ValidationResult.Error("--unseen-writers writes an ONNX model card; give an --out ending in .onnx (a TFLite file exported from it carries the card).");
            }
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
            if (settings.UnseenWriters is not null) card = card with { UnseenWriters = UnseenWriters(imported, card, settings.Folds, settings.Drawn!) };
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
            // The card counts the network as trained; the file holds it with batch norm folded into the convolutions.
            string folded = card.Parameters is > 0 and var trained && trained != stats.Parameters
                ? string.Create(CultureInfo.InvariantCulture, $" ({trained:N0} as trained, batch norm folded)")
                : "";
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"wrote [green]{output}[/] ({format}, {bytes:N0} bytes; {stats.Parameters:N0} parameters{folded}, {stats.FlopsPerItem / 1e6:F2} MFLOPs per digit)");
            SaveCard(card, settings.Card);
            if (settings.UnseenWriters is not null)
                AnsiConsole.MarkupLine("[grey]The new card changes the file's SHA-256: an int8 companion quantized from the old file no longer belongs to it " +
                    "(its quantized_from names the old hash); quantize this file again with --int8.[/]");
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
            UnseenWriters = null, // measured on the float weights; like test_accuracy, not this file's figure
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
        SaveCard(ModelCard.FromMetadata(quantized.MetadataProps.ToDictionary(e => e.Key, e => e.Value))!, settings.Card);
        var ic = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLineInterpolated(ic,
            $"wrote [green]{output}[/] (int8 onnx, {data.Length:N0} bytes; calibrated on {count:N0} training images from {location.Folder})");
        AnsiConsole.MarkupLine(string.Create(ic,
            $"{test.Count:N0} test digits in ONNX Runtime: float {floatCorrect * 100.0 / test.Count:F2}%, int8 [bold]{accuracy * 100:F2}%[/], top-1 agreement {agree * 100.0 / test.Count:F2}%"));
        return 0;
    }

    private static void SaveCard(ModelCard card, string? path)
    {
        if (path is null) return;
        card.Save(path);
        AnsiConsole.MarkupLineInterpolated($"wrote its card [green]{path}[/]");
    }

    /// <summary>
    /// The <c>unseen_writers</c> line: each fold scored on the writers of <paramref name="drawnPath"/> that its card's
    /// <c>training_data</c> does not name, through <see cref="EvalCommand.EvaluateOnWriters"/>; then all those digits pooled and
    /// the worst writer. Refuses a model whose card names no drawn digits of that file, and folds without drawn training
    /// data, on another file, of another architecture, that saw every writer, or whose unseen writers overlap another
    /// fold's. A fold whose command line differs from the model's in more than the writers, the run folder, threads or
    /// output style gets a note, not a refusal (a fold may have been trained by an earlier build of the same recipe).
    /// </summary>
    private static string UnseenWriters(ImportedModel imported, ModelCard card, string[] foldPaths, string drawnPath)
    {
        InputFiles.RequireFile(drawnPath, "--drawn");
        var file = DrawnDigitSet.Load(drawnPath);
        var own = DrawnTrainingState.FromTrainingData(card.TrainingData);
        if (own is null || own.Value.File != file.Name)
            throw new CliException($"--unseen-writers: the model's card records no training on drawn digits from {file.Name}" +
                (own is null ? "" : $" (it names {own.Value.File})") + "; the folds' figures stand for a model trained like them, with every writer.",
                "Give the model trained by the folds' command without --drawn-writers.");
        long parameters = ModelStatistics.Compute(imported.Model).Parameters;
        const string Hint = "Train each fold with the model's command plus --drawn-writers RANGES, leaving out the writers it is to be measured on.";
        var folds = new List<(string Name, WriterSet Trained, WriterSet Unseen, DrawnEvaluationResult Result)>();
        foreach (string path in foldPaths)
        {
            InputFiles.RequireOnnxModel(path, "--unseen-writers");
            string name = path; // as given: folds are often model.onnx in different run folders
            ImportedModel fold;
            try
            {
                fold = OnnxImporter.Load(path);
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or FormatException or ArgumentException or OverflowException)
            {
                throw new CliException($"--unseen-writers: cannot read {name}: {ErrorReporter.Sentence(e.Message)}", "Give the float model.onnx of each fold's training run.");
            }
            var drawn = DrawnTrainingState.FromTrainingData(fold.Card?.TrainingData)
                ?? throw new CliException($"--unseen-writers: {name}'s model card records no drawn training digits, so its unseen writers are unknown.", Hint);
            if (drawn.File != file.Name)
                throw new CliException($"--unseen-writers: {name} was trained on drawn digits from {drawn.File}, not {file.Name} (--drawn).",
                    "Give the --drawn file the folds were trained on.");
            long foldParameters = ModelStatistics.Compute(fold.Model).Parameters;
            if (fold.Card!.Architecture != card.Architecture || foldParameters != parameters)
                throw new CliException($"--unseen-writers: {name} is a '{fold.Card.Architecture}' network with {foldParameters:N0} parameters; " +
                    $"the model is '{card.Architecture}' with {parameters:N0}.", Hint);
            var unseen = WriterSet.Of(file.Writers.Writers.Where(w => !drawn.Writers.Contains(w)));
            if (unseen.Count == 0)
                throw new CliException($"--unseen-writers: {name} was trained on writers {drawn.Writers}, which covers every writer of {file.Name} ({file.Writers}); it has none left to measure.", Hint);
            foreach (var other in folds)
            {
                var shared = WriterSet.Of(unseen.Writers.Where(other.Unseen.Contains));
                if (shared.Count > 0)
                    throw new CliException($"--unseen-writers: {other.Name} and {name} both leave out writers {shared}; each writer is to be measured by one fold.",
                        "Give folds that leave out disjoint writers, e.g. 1-10, 11-20 and 21-30.");
            }
            if (RecipeOf(fold.Card.CommandLine) != RecipeOf(card.CommandLine))
                AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(name)} was trained by '{Markup.Escape(fold.Card.CommandLine ?? "(not recorded)")}', " +
                    $"the model by '{Markup.Escape(card.CommandLine ?? "(not recorded)")}': more differs than the writers.");
            folds.Add((name, drawn.Writers, unseen, EvalCommand.EvaluateOnWriters(fold.Model, file, unseen)));
        }

        var ic = CultureInfo.InvariantCulture;
        var covered = WriterSet.Of(folds.SelectMany(f => f.Unseen.Writers));
        int count = folds.Sum(f => f.Result.Count), correct = folds.Sum(f => f.Result.Correct);
        var worst = folds.SelectMany(f => f.Result.PerWriter).MinBy(w => w.Accuracy)!;
        string all = covered.Count == file.Writers.Count
            ? string.Create(ic, $"all {covered.Count} writers")
            : string.Create(ic, $"writers {covered} ({covered.Count} of the file's {file.Writers.Count})");
        IEnumerable<string> perFold = folds.Select(f => string.Create(ic,
            $"writers {f.Unseen} {f.Result.Accuracy * 100:F2} % ({f.Result.Correct:N0} of {f.Result.Count:N0}; fold trained on {f.Trained})"));
        string pooled = string.Create(ic,
            $"{all} {(double)correct / count * 100:F2} % ({correct:N0} of {count:N0} digits), worst writer {worst.Writer} {worst.Accuracy * 100:F2} % ({worst.Correct} of {worst.Count})");
        string line = $"leave-writers-out on {file.Name}: {string.Join(", ", perFold)}; {pooled}; " +
            "each fold trained by the command of this card with --drawn-writers leaving its writers out, scored as mnist eval --drawn --drawn-writers on those writers";
        foreach (var f in folds)
            AnsiConsole.MarkupLine(string.Create(ic, $"{Markup.Escape(f.Name)} (trained on writers {Markup.Escape(f.Trained.ToString())}) on writers {Markup.Escape(f.Unseen.ToString())}: " +
                $"[bold]{f.Result.Accuracy * 100:F2}%[/] ({f.Result.Correct:N0} of {f.Result.Count:N0})"));
        AnsiConsole.MarkupLine(string.Create(ic, $"{Markup.Escape(all)} unseen: [bold]{(double)correct / count * 100:F2}%[/] ({correct:N0} of {count:N0}); worst writer {worst.Writer} at {worst.Accuracy * 100:F2}%"));
        return line;
    }

    /// <summary>
    /// A recorded training command without the options a fold may change: --drawn-writers, --out, --threads (each also as
    /// --option=value) and --json. Words are read back as the card wrote them (<see cref="TrainCommand.SplitRecorded"/>),
    /// so a quoted value with spaces is one word.
    /// </summary>
    internal static string? RecipeOf(string? commandLine)
    {
        if (commandLine is null) return null;
        string[] perFold = ["--drawn-writers", "--out", "--threads"];
        var kept = new List<string>();
        var words = TrainCommand.SplitRecorded(commandLine);
        for (int i = 0; i < words.Count; i++)
        {
            string? option = TrainCommand.OptionOf(words[i], perFold);
            if (option is null) { if (words[i] != "--json") kept.Add(words[i]); }
            else if (words[i] == option) i++; // its value is the next word
        }
        return string.Join('\n', kept);
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
