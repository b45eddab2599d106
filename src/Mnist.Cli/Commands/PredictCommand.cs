using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mnist.Inference;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist predict --model FILE IMAGE... [--json] [--show]</c>: recognizes digits in image files (PNG, JPEG, WebP,
/// BMP, GIF) and in <c>.jsonl</c> files of pen strokes (<c>{"strokes":[[[x,y],...],...]}</c> per line, other fields
/// ignored). Exit code 0 when every input was read, 1 when any failed, 2 when the model cannot be loaded.
/// </summary>
internal sealed class PredictCommand : Command<PredictCommand.Settings>
{
    /// <summary>Rows per printed table, so a long jsonl file streams in human mode too.</summary>
    private const int TableRows = 200;

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<IMAGE>")]
        [Description("Image files (PNG, JPEG, WebP, BMP, GIF) and/or .jsonl stroke files (one prediction per line).")]
        public string[] Images { get; init; } = [];

        [CommandOption("--model <FILE>")]
        [Description("ONNX model (default: models/mnist.onnx, searched upwards from the current and the app's directory).")]
        public string? Model { get; init; }

        [CommandOption("--json")]
        [Description("One JSON object per image or line: {\"file\",\"digit\",\"confidence\",\"probabilities\"} or {\"file\",\"error\"}.")]
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
        string? modelPath = settings.Model ?? PredictModelLocator.Find();
        if (modelPath is null)
        {
            Console.Error.WriteLine($"error: no model given and no {PredictModelLocator.RelativePath} found above the current or the app's directory; pass --model FILE.");
            return 2;
        }
        OnnxDigitClassifier classifier;
        try
        {
            classifier = OnnxDigitClassifier.Load(modelPath, new OnnxClassifierOptions { IntraOpThreads = settings.Threads });
        }
        catch (ModelLoadException e)
        {
            Console.Error.WriteLine($"error: cannot load model '{modelPath}': {e.Message}");
            return 2;
        }

        using var recognizer = new DigitRecognizer(classifier, new RecognizerOptions { IncludePixels = settings.Show });
        int failures = 0;
        Table? table = null;
        foreach (PredictItem item in PredictInputs.Enumerate(settings.Images, recognizer))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Error is not null) failures++;
            if (settings.Json)
            {
                Console.Out.WriteLine(ToJson(item));
                continue;
            }
            table ??= NewTable(settings.Show);
            table.AddRow(Row(item, settings.Show));
            if (table.Rows.Count >= TableRows)
            {
                AnsiConsole.Write(table);
                table = null;
            }
        }
        if (table is not null) AnsiConsole.Write(table);
        if (!settings.Json && failures > 0) Console.Error.WriteLine($"{failures} input(s) failed.");
        return failures > 0 ? 1 : 0;
    }

    private static Table NewTable(bool show)
    {
        var table = new Table().AddColumns("input", "digit", "confidence", "flag");
        if (show) table.AddColumn("preprocessed 28x28");
        return table;
    }

    private static IRenderable[] Row(PredictItem item, bool show)
    {
        var cells = new List<IRenderable> { new Text(item.Label) };
        if (item.Error is not null)
        {
            cells.Add(new Text("-"));
            cells.Add(new Text("-"));
            cells.Add(new Markup($"[red]error: {Markup.Escape(item.Error)}[/]"));
            if (show) cells.Add(new Text(""));
            return [.. cells];
        }
        Recognition r = item.Result!;
        cells.Add(new Text(r.Digit?.ToString(CultureInfo.InvariantCulture) ?? "-"));
        cells.Add(new Text(r.Digit is null ? "-" : r.Confidence.ToString("F3", CultureInfo.InvariantCulture)));
        cells.Add(r.Digit is null
            ? new Markup($"[yellow]no digit: {Markup.Escape(r.NoDigitMessage ?? r.NoDigitReason.ToString())}[/]")
            : r.IsConfident ? new Markup("[green]ok[/]") : new Markup("[yellow]low confidence[/]"));
        if (show) cells.Add(new Text(r.Pixels is null ? "" : PredictAsciiArt.Render(r.Pixels)));
        return [.. cells];
    }

    /// <summary>The stable line format: file, digit (null when empty), confidence, probabilities; extra fields after.</summary>
    internal static string ToJson(PredictItem item)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
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
                if (r.Digit is null) w.WriteString("no_digit", r.NoDigitReason.ToString());
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
