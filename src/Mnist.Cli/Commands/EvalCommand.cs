using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Mnist.Cli.Cli;
using Mnist.Engine.Data;
using Mnist.Engine.Formats;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Layers;
using Mnist.Engine.Training;
using Mnist.Engine.Data.NonDigits;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist eval --model FILE</c>: accuracy, per-class accuracy and the confusion matrix on the test split; with
/// <c>--drawn FILE.jsonl [--drawn-writers RANGES]</c>, on drawn digits instead (rendered by the strokes preprocessing),
/// with per-writer accuracy and the worst writer.
/// </summary>
internal sealed class EvalCommand : Command<EvalCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>")]
        [Description("Model file: a run's model.ckpt (or checkpoint.bin).")]
        public string Model { get; init; } = "";

        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $MNIST_DATA, else the per-user cache).")]
        public string? Data { get; init; }

        [CommandOption("--dataset <NAME>")]
        [Description("mnist or fashion (default: what the model was trained on, else mnist).")]
        public string? Dataset { get; init; }

        [CommandOption("--json")]
        [Description("One JSON object: accuracy, count, per_class, confusion.")]
        public bool Json { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Compute threads (default: all cores).")]
        public int? Threads { get; init; }

        [CommandOption("--drawn <FILE>")]
        [Description("Evaluate on drawn digits (pendigits-style JSON lines: label, writer, strokes) instead of the test split, each rendered by the strokes preprocessing as the server does.")]
        public string? Drawn { get; init; }

        [CommandOption("--drawn-writers <RANGES>")]
        [Description("Only these writers of --drawn, e.g. 21-30 (default: all). Use writers the model was not trained on.")]
        public string? DrawnWriters { get; init; }

        [CommandOption("--non-digits")]
        [Description("Measure how often non-digits are answered with a confident digit: drawings of letters and shapes never trained on (A, E, H, M, W, star, heart, smiley, #, +, triangle) and, when found, Fashion-MNIST's test images.")]
        public bool NonDigits { get; init; }

        [CommandOption("--non-digit-count <N>")]
        [Description("Drawings per held-out category with --non-digits (default 200).")]
        public int? NonDigitCount { get; init; }

        [CommandOption("--non-digit-categories <LIST>")]
        [Description("With --non-digits: measure these shape categories instead of the held-out family, comma-separated; trainable ones too, to measure those a run left out of its --non-digit-categories.")]
        public string? NonDigitCategories { get; init; }

        public override ValidationResult Validate()
        {
            if (NonDigits && Drawn is not null) return ValidationResult.Error("--non-digits and --drawn are separate measurements; give one.");
            if (NonDigitCount is not null && !NonDigits) return ValidationResult.Error("--non-digit-count needs --non-digits.");
            if (NonDigitCategories is not null)
            {
                if (!NonDigits) return ValidationResult.Error("--non-digit-categories needs --non-digits.");
                string[] categories = TrainCommand.CategoryList(NonDigitCategories);
                if (categories.Length == 0) return ValidationResult.Error("--non-digit-categories: name at least one category.");
                if (categories.FirstOrDefault(c => !NonDigitShapes.IsKnown(c)) is { } unknown)
                    return ValidationResult.Error($"--non-digit-categories: unknown category '{unknown}'. Held out: {string.Join(", ", NonDigitShapes.HeldOut)}; trainable: {string.Join(", ", NonDigitShapes.Trainable)}.");
            }
            if (NonDigitCount is < 1 or > 100_000) return ValidationResult.Error("--non-digit-count must be 1–100000.");
            if (DrawnWriters is not null && Drawn is null) return ValidationResult.Error("--drawn-writers needs --drawn FILE.");
            if (DrawnWriters is not null)
            {
                try
                {
                    WriterSet.Parse(DrawnWriters);
                }
                catch (FormatException e)
                {
                    return ValidationResult.Error("--drawn-writers: " + e.Message);
                }
            }
            if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model FILE is required.");
            if (Dataset is not null && !DatasetCatalog.TryGet(Dataset, out _))
                return ValidationResult.Error($"Unknown dataset '{Dataset}'. Known: {string.Join(", ", DatasetCatalog.All.Select(d => d.Id))}.");
            if (Threads is < 1) return ValidationResult.Error("--threads must be at least 1.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Threads is int t) Parallelism.Degree = t;
        InputFiles.RequireFile(settings.Model, "--model");
        if (InputFiles.Sniff(settings.Model) == ModelFormat.TfLite)
            throw new CliException($"'{settings.Model}' is a TFLite model; eval reads ONNX (.onnx) and the engine's checkpoints (.ckpt).",
                "Evaluate the .onnx file it was exported from.");
        try
        {
            LoadedModel? loaded = null;
            try
            {
                loaded = ModelFiles.Load(settings.Model);
            }
            catch (NotSupportedException) when (settings.Drawn is null && !settings.NonDigits && InputFiles.Sniff(settings.Model) == ModelFormat.Onnx)
            {
                // An ONNX graph the managed engine cannot run, such as the int8 companion models/mnist.int8.onnx:
                // ONNX Runtime scores it instead (below).
            }
            if (settings.Drawn is not null) return EvaluateDrawn(settings, loaded!);
            if (settings.NonDigits) return EvaluateNonDigits(settings, loaded!);
            var dataset = DatasetCatalog.Get(settings.Dataset ?? loaded?.Dataset ?? "mnist");
            var location = DataLocator.Resolve(dataset, settings.Data);
            var test = MnistDataset.Load(location.Folder, MnistSplit.Test, dataset);
            var r = loaded is not null ? Evaluation.Evaluate(loaded.Model, test) : EvaluateWithOnnxRuntime(settings.Model, test);
            if (settings.Json)
            {
                Console.Out.WriteLine(new JsonObject
                {
                    ["accuracy"] = r.Accuracy,
                    ["count"] = r.Count,
                    ["per_class"] = new JsonArray([.. r.PerClassAccuracy.Select(v => (JsonNode)JsonValue.Create(v))]),
                    ["confusion"] = new JsonArray([.. r.Confusion.ToRows().Select(row => (JsonNode)new JsonArray([.. row.Select(v => (JsonNode)JsonValue.Create(v))]))]),
                }.ToJsonString(CliJson.SerializerOptions));
            }
            else
            {
                Print(r, dataset, settings.Model, loaded is null ? "ONNX Runtime" : loaded.Architecture);
            }
            return 0;
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CliException(ErrorReporter.Sentence(e.Message), TrainCommand.DataHint(e));
        }
    }

    /// <summary>Scores an ONNX model with ONNX Runtime, in batches of 1,000 test images.</summary>
    private static EvaluationResult EvaluateWithOnnxRuntime(string model, MnistDataset test)
    {
        using var classifier = PredictModelLocator.Load(model);
        float[] images = Int8Quantizer.CalibrationImages(test, test.Count); // every test image, in order, as the model takes them
        var probabilities = new float[test.Count * 10];
        const int Batch = 1000;
        for (int start = 0; start < test.Count; start += Batch)
        {
            int n = Math.Min(Batch, test.Count - start);
            classifier.ClassifyBatch(images.AsSpan(start * 784, n * 784), n, probabilities.AsSpan(start * 10, n * 10));
        }
        return EvaluationResult.FromProbabilities([.. test.Labels.Select(l => (int)l)], probabilities, 10);
    }

    private static int EvaluateDrawn(Settings settings, LoadedModel loaded)
    {
        var file = DrawnDigitSet.Load(settings.Drawn!);
        var r = EvaluateOnWriters(loaded.Model, file, settings.DrawnWriters is { } w ? WriterSet.Parse(w) : null);
        var digits = r.Digits;
        var worst = r.WorstWriter!;
        if (settings.Json)
        {
            Console.Out.WriteLine(new JsonObject
            {
                ["accuracy"] = r.Accuracy,
                ["count"] = r.Count,
                ["file"] = file.Name,
                ["writers"] = digits.Writers.ToString(),
                ["no_digit"] = r.NoDigit,
                ["per_writer"] = new JsonArray([.. r.PerWriter.Select(p => (JsonNode)new JsonObject
                {
                    ["writer"] = p.Writer, ["accuracy"] = p.Accuracy, ["count"] = p.Count,
                })]),
                ["worst_writer"] = new JsonObject { ["writer"] = worst.Writer, ["accuracy"] = worst.Accuracy, ["count"] = worst.Count },
                ["accepted"] = r.AcceptedRate,
                ["wrong_among_accepted"] = r.WrongAmongAccepted,
                ["per_class"] = new JsonArray([.. r.PerClassAccuracy.Select(v => (JsonNode)JsonValue.Create(v))]),
                ["confusion"] = new JsonArray([.. r.Confusion.ToRows().Select(row => (JsonNode)new JsonArray([.. row.Select(v => (JsonNode)JsonValue.Create(v))]))]),
            }.ToJsonString(CliJson.SerializerOptions));
            return 0;
        }
        var ic = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLine($"{Markup.Escape(settings.Model)}{(loaded.Architecture is null ? "" : $" ({Markup.Escape(loaded.Architecture)})")} on drawn digits " +
            $"{Markup.Escape(file.Name)}, writers {Markup.Escape(digits.Writers.ToString())}:");
        AnsiConsole.MarkupLine(string.Create(ic, $"accuracy [bold]{r.Accuracy * 100:F2}%[/] ({r.Correct:N0} of {r.Count:N0})") +
            (r.NoDigit > 0 ? string.Create(ic, $", {r.NoDigit} without a digit (counted wrong)") : ""));
        var perWriter = new Table().Border(TableBorder.Rounded).Title("per writer")
            .AddColumn("writer").AddColumn(new TableColumn("digits").RightAligned()).AddColumn(new TableColumn("accuracy").RightAligned());
        foreach (var p in r.PerWriter)
            perWriter.AddRow(p.Writer.ToString(ic), p.Count.ToString("N0", ic), (p.Accuracy * 100).ToString("F2", ic) + "%");
        AnsiConsole.Write(perWriter);
        AnsiConsole.MarkupLine(string.Create(ic, $"worst writer: [bold]{worst.Writer}[/] at {worst.Accuracy * 100:F2}% ({worst.Correct} of {worst.Count})"));
        AnsiConsole.MarkupLine(string.Create(ic, $"answered confidently: {r.AcceptedRate * 100:F2}% ({r.Accepted:N0}); wrong among them: {r.WrongAmongAccepted * 100:F2}% ({r.AcceptedWrong})"));
        PrintConfusion(r.Confusion);
        return 0;
    }

    /// <summary>
    /// What <c>mnist eval --drawn FILE [--drawn-writers RANGES]</c> measures: <paramref name="model"/> on the digits of
    /// <paramref name="file"/> by <paramref name="writers"/> (all when null). <c>mnist export --unseen-writers</c> scores
    /// its folds through here too, so the card's figures are the ones eval prints.
    /// </summary>
    /// <exception cref="ArgumentException">The file has no digits of those writers.</exception>
    internal static DrawnEvaluationResult EvaluateOnWriters(Sequential<float> model, DrawnDigitSet file, WriterSet? writers)
    {
        var digits = file.Where(writers);
        if (digits.Count == 0)
            throw new ArgumentException($"--drawn-writers {writers}: {file.Name} has no digits of these writers (it has writers {file.Writers}).");
        return DrawnEvaluation.Evaluate(model, digits);
    }

    private static int EvaluateNonDigits(Settings settings, LoadedModel loaded)
    {
        var rows = new List<NonDigitAcceptance>(NonDigitEvaluation.EvaluateShapes(loaded.Model, settings.NonDigitCount ?? 200,
            settings.NonDigitCategories is { } list ? TrainCommand.CategoryList(list) : null));
        string? missing = null;
        try
        {
            var location = DataLocator.Resolve(DatasetCatalog.FashionMnist, null);
            var objects = MnistDataset.Load(location.Folder, MnistSplit.Test, DatasetCatalog.FashionMnist);
            rows.Add(NonDigitEvaluation.EvaluateImages(loaded.Model, objects, "fashion-mnist test"));
        }
        catch (Exception e) when (e is IOException or DataFormatException or InvalidDataException)
        {
            missing = $"Fashion-MNIST not measured: {e.Message}";
        }
        if (settings.Json)
        {
            Console.Out.WriteLine(new JsonObject
            {
                ["non_digits"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                {
                    ["name"] = r.Name, ["count"] = r.Count, ["accepted"] = r.AcceptedRate,
                    ["read_as"] = new JsonObject(r.MostReadAs.Select(x =>
                        KeyValuePair.Create(x.Digit.ToString(CultureInfo.InvariantCulture), (JsonNode?)x.Count))),
                })]),
            }.ToJsonString());
            if (missing is not null) Console.Error.WriteLine(missing);
            return 0;
        }
        var ic = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLine($"{Markup.Escape(settings.Model)} on non-digits (share answered with a confident digit; lower is better):");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("input").AddColumn(new TableColumn("count").RightAligned()).AddColumn(new TableColumn("read as a digit").RightAligned())
            .AddColumn("mostly as");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Name), r.Count.ToString("N0", ic), (r.AcceptedRate * 100).ToString("F1", ic) + "%",
                string.Join(", ", r.MostReadAs.Take(3).Select(x => string.Create(ic, $"{x.Digit} ({x.Count})"))));
        AnsiConsole.Write(table);
        if (missing is not null) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(missing)}[/]");
        return 0;
    }

    private static void PrintConfusion(ConfusionMatrix matrix)
    {
        var ic = CultureInfo.InvariantCulture;
        int k = matrix.Classes;
        var confusion = new Table().Border(TableBorder.Simple).Title("confusion matrix (row = true, column = predicted)").AddColumn("");
        for (int j = 0; j < k; j++) confusion.AddColumn(new TableColumn(j.ToString(ic)).RightAligned());
        for (int i = 0; i < k; i++)
        {
            var cells = new List<string> { $"[bold]{i}[/]" };
            for (int j = 0; j < k; j++)
            {
                int v = matrix[i, j];
                string s = v.ToString(ic);
                cells.Add(i == j ? $"[green]{s}[/]" : v == 0 ? "[grey]·[/]" : $"[red]{s}[/]");
            }
            confusion.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(confusion);
    }

    private static void Print(EvaluationResult r, DatasetInfo dataset, string model, string? architecture)
    {
        var ic = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLine($"{Markup.Escape(model)}{(architecture is null ? "" : $" ({Markup.Escape(architecture)})")} on the {Markup.Escape(dataset.DisplayName)} test set:");
        AnsiConsole.MarkupLine(string.Create(ic, $"accuracy [bold]{r.Accuracy * 100:F2}%[/] ({r.Correct:N0} of {r.Count:N0}), mean loss {r.MeanLoss:F4}"));

        var perClass = new Table().Border(TableBorder.Rounded).Title("per class")
            .AddColumn("class").AddColumn(new TableColumn("images").RightAligned()).AddColumn(new TableColumn("accuracy").RightAligned());
        for (int c = 0; c < r.PerClassAccuracy.Length; c++)
            perClass.AddRow(Markup.Escape(dataset.ClassNames[c]), r.PerClassCount[c].ToString("N0", ic), (r.PerClassAccuracy[c] * 100).ToString("F2", ic) + "%");
        AnsiConsole.Write(perClass);

        PrintConfusion(r.Confusion);
    }
}
