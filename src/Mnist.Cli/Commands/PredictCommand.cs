using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mnist.Cli.Cli;
using Mnist.Inference;
using Mnist.Server.Api;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist predict --model FILE IMAGE... [--json] [--show]</c>: recognizes digits in image files (PNG, JPEG, WebP,
/// BMP, GIF) and in <c>.jsonl</c> files of pen strokes (<c>{"strokes":[[[x,y],...],...]}</c> per line, other fields
/// ignored). Exit code 0 when every input was read, 1 when any failed or the model cannot be loaded, 2 for a wrong command line.
/// </summary>
// Descriptions are Spectre markup: a literal [ or ] is written [[ or ]].
internal sealed class PredictCommand : Command<PredictCommand.Settings>
{
    /// <summary>Rows per printed table, so a long jsonl file streams in human mode too.</summary>
    private const int TableRows = 200;

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<IMAGE>")]
        [Description("Image files (PNG, JPEG, WebP, BMP, GIF) and/or .jsonl stroke files: one drawing per line, {\"strokes\":[[[[[[x,y]],...]],...]]} (points [[x,y]] or {\"x\":..,\"y\":..}), optional \"label\" 0-9 to score accuracy.")]
        public string[] Images { get; init; } = [];

        [CommandOption("--model <FILE>")]
        [Description("ONNX model (default: models/mnist.onnx, searched upwards from the current and the app's directory).")]
        public string? Model { get; init; }

        [CommandOption("--json")]
        [Description("One JSON object per image or line: {\"file\",\"digit\",\"confidence\",\"probabilities\",\"confident\",\"model\"} (no digit: \"digit\":null, \"no_digit\", \"message\"; labelled line: \"label\"), or {\"file\",\"error\"}.")]
        public bool Json { get; init; }

        [CommandOption("--show")]
        [Description("Also show the preprocessed 28x28 image as text.")]
        public bool Show { get; init; }

        [CommandOption("--threads <N>")]
        [Description("ONNX Runtime intra-op threads (default 1).")]
        public int Threads { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (Images.Length == 0) return ValidationResult.Error("Give at least one IMAGE or .jsonl file.");
            if (Threads is < 1 or > 256) return ValidationResult.Error("--threads must be 1..256.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string modelPath = PredictModelLocator.Resolve(settings.Model);
        OnnxDigitClassifier classifier = PredictModelLocator.Load(modelPath, new OnnxClassifierOptions { IntraOpThreads = settings.Threads });
        string modelName = classifier.Model.Name;
        // Which model answered matters when several are around (a run's model vs the shipped one): said once on
        // stderr in both modes, so --json's stdout stays one object per input.
        Console.Error.WriteLine($"model: {modelPath} ({modelName})");

        using var pipeline = new DigitPipeline(classifier, new DigitPipelineOptions { IncludePixels = settings.Show });
        int failures = 0, labelled = 0, right = 0;
        Table? table = null;
        var shown = new List<PredictItem>();
        foreach (PredictItem item in PredictInputs.Enumerate(settings.Images, pipeline))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Error is not null) failures++;
            if (item.Expected is int expected && item.Result is not null)
            {
                labelled++;
                if (item.Result.Digit == expected) right++;
            }
            if (settings.Json)
            {
                Console.Out.WriteLine(ToJson(item, modelName));
                continue;
            }
            table ??= new Table().AddColumns("input", "digit", "confidence", "flag");
            table.AddRow(Row(item));
            if (settings.Show && item.Result is { Digit: not null, Pixels: not null }) shown.Add(item);
            if (table.Rows.Count >= TableRows)
            {
                Flush(table, shown);
                table = null;
            }
        }
        if (table is not null) Flush(table, shown);
        if (labelled > 0)
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"accuracy: {right}/{labelled} = {100.0 * right / labelled:F2}% of the labelled inputs"));
        if (!settings.Json && failures > 0) Console.Error.WriteLine($"{failures} input(s) failed.");
        return failures > 0 ? ExitCodes.Failure : ExitCodes.Ok;
    }

    /// <summary>Prints a table chunk, then (with --show) each of its images as text below it.</summary>
    private static void Flush(Table table, List<PredictItem> shown)
    {
        AnsiConsole.Write(table);
        foreach (PredictItem item in shown)
        {
            Recognition r = item.Result!;
            string answer = r.Digit is int d ? $"digit {d}" : "no digit";
            AnsiConsole.WriteLine();
            AnsiConsole.Write(new Text($"{item.Label}: {answer} (preprocessed 28x28)\n{PredictAsciiArt.Render(r.Pixels)}\n"));
        }
        shown.Clear();
    }

    private static IRenderable[] Row(PredictItem item)
    {
        if (item.Error is not null)
            return [new Text(item.Label), new Text("-"), new Text("-"), new Markup($"[red]error: {Markup.Escape(item.Error)}[/]")];
        Recognition r = item.Result!;
        IRenderable flag = r.Digit is null
            ? new Markup($"[yellow]no digit: {Markup.Escape(r.NoDigitMessage ?? PredictionService.ReasonName(r.NoDigitReason))}[/]")
            : r.IsConfident ? new Markup("[green]ok[/]") : new Markup("[yellow]low confidence[/]");
        return
        [
            new Text(item.Label),
            new Text(r.Digit?.ToString(CultureInfo.InvariantCulture) ?? "-"),
            new Text(r.Digit is null ? "-" : r.Confidence.ToString("F3", CultureInfo.InvariantCulture)),
            flag,
        ];
    }

    /// <summary>The stable line format: file, digit (null when empty), confidence, probabilities; extra fields after.</summary>
    internal static string ToJson(PredictItem item, string model)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, CliJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("file", item.Label);
            if (item.Error is not null)
            {
                w.WriteString("error", item.Error);
            }
            else
            {
                Recognition r = item.Result!;
                if (r.Digit is int d) w.WriteNumber("digit", d);
                else w.WriteNull("digit");
                w.WriteNumber("confidence", r.Confidence);
                w.WriteStartArray("probabilities");
                foreach (float p in r.Probabilities) w.WriteNumberValue(p);
                w.WriteEndArray();
                w.WriteBoolean("confident", r.IsConfident);
                if (r.Digit is null)
                {
                    w.WriteString("no_digit", PredictionService.ReasonName(r.NoDigitReason));
                    if (r.NoDigitMessage is not null) w.WriteString("message", r.NoDigitMessage);
                }
                w.WriteString("model", model);
            }
            if (item.Expected is int expected) w.WriteNumber("label", expected);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
