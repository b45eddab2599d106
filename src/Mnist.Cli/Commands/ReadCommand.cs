using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mnist.Cli.Cli;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;
using Mnist.Imaging;
using Mnist.Inference;
using Mnist.Server.Api;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist read [--model FILE] IMAGE|STROKES.jsonl ... [--json]</c>: reads whole numbers (several digits on one line)
/// in image files and in <c>.jsonl</c> stroke files (one number per line). Lines that carry a <c>"label"</c> (the
/// digits, e.g. "4207") are scored: the share read exactly is printed at the end. Exit code 0 when every input was
/// read, 1 when any failed or the model cannot be loaded, 2 for a wrong command line.
/// </summary>
internal sealed class ReadCommand : Command<ReadCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<IMAGE>")]
        [Description("Image files (PNG, JPEG, WebP, BMP, GIF) and/or .jsonl stroke files ({\"strokes\":[[[[[[x,y]],…]],…]]} per line, points [[x,y]] or {\"x\":..,\"y\":..}, optional \"label\" such as \"4207\" to score exact reads).")]
        public string[] Inputs { get; init; } = [];

        [CommandOption("--model <FILE>")]
        [Description("ONNX model (default: models/mnist.onnx, searched upwards from the current and the app's directory).")]
        public string? Model { get; init; }

        [CommandOption("--json")]
        [Description("One JSON object per image or line: {\"file\"|\"index\",\"number\",\"confidence\",\"digits\":[[{\"digit\",\"confidence\",\"box\",\"probabilities\"}]]}.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Inputs.Length == 0 ? ValidationResult.Error("Give at least one IMAGE or .jsonl file.") : ValidationResult.Success();
    }

    private readonly record struct Item(string File, int? Index, NumberReading? Reading, string? Error, string? Label);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string modelPath = PredictModelLocator.Resolve(settings.Model);
        OnnxDigitClassifier classifier = PredictModelLocator.Load(modelPath);
        Console.Error.WriteLine($"model: {modelPath} ({classifier.Model.Name})");
        using (var pipeline = new DigitPipeline(classifier))
        {
            int failures = 0, labelled = 0, right = 0;
            Table? table = null;
            foreach (Item item in Enumerate(settings.Inputs, pipeline))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (item.Error is not null) failures++;
                if (item.Label is not null && item.Reading is not null)
                {
                    labelled++;
                    if (item.Reading.Number == item.Label) right++;
                }
                if (settings.Json)
                {
                    Console.Out.WriteLine(ToJson(item));
                    continue;
                }
                table ??= new Table().AddColumns("input", "number", "confidence", "flag");
                table.AddRow(Row(item));
                if (table.Rows.Count >= 200)
                {
                    AnsiConsole.Write(table);
                    table = null;
                }
            }
            if (table is not null) AnsiConsole.Write(table);
            if (labelled > 0)
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"read exactly: {right}/{labelled} = {100.0 * right / labelled:F2}% of the labelled numbers"));
            if (!settings.Json && failures > 0) Console.Error.WriteLine($"{failures} input(s) failed.");
            return failures > 0 ? ExitCodes.Failure : ExitCodes.Ok;
        }
    }

    private static IEnumerable<Item> Enumerate(IEnumerable<string> paths, DigitPipeline pipeline)
    {
        foreach (string path in paths)
        {
            if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                yield return ImageFile(path, pipeline);
                continue;
            }
            if (!File.Exists(path))
            {
                yield return new Item(path, null, null, "file not found", null);
                continue;
            }
            int index = -1;
            foreach (string line in File.ReadLines(path))
            {
                index++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                yield return StrokeLine(path, index, line, pipeline);
            }
        }
    }

    private static Item ImageFile(string path, DigitPipeline pipeline)
    {
        try
        {
            if (Directory.Exists(path)) return new Item(path, null, null, "a folder, not an image file (give the files inside it, e.g. DIR/*.png)", null);
            var file = new FileInfo(path);
            if (!file.Exists) return new Item(path, null, null, "file not found", null);
            int max = ImageDecoderOptions.Default.MaxEncodedBytes;
            // Checked before reading, so a huge file is never loaded.
            if (file.Length > max) return new Item(path, null, null, $"the file has {file.Length} bytes; at most {max} are accepted", null);
            return new Item(path, null, pipeline.ReadImage(File.ReadAllBytes(path)), null, null);
        }
        catch (ImageDecodeException e)
        {
            return new Item(path, null, null, e.Message, null);
        }
        catch (ArgumentException e)
        {
            return new Item(path, null, null, e.Message, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Item(path, null, null, e.Message, null);
        }
    }

    private static Item StrokeLine(string path, int index, string line, DigitPipeline pipeline)
    {
        string? label = null;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("label", out JsonElement l))
                label = l.ValueKind == JsonValueKind.String ? l.GetString() : l.ValueKind == JsonValueKind.Number ? l.GetRawText() : null;
            if (!PredictInputs.TryParseStrokes(doc.RootElement, out List<IReadOnlyList<StrokePoint>> strokes, out string? error))
                return new Item(path, index, null, error, label);
            return new Item(path, index, pipeline.ReadStrokes(strokes), null, label);
        }
        catch (JsonException e)
        {
            return new Item(path, index, null, $"not valid JSON: {e.Message}", label);
        }
        catch (ArgumentException e)
        {
            return new Item(path, index, null, e.Message, label);
        }
    }

    private static Spectre.Console.Rendering.IRenderable[] Row(Item item)
    {
        string input = item.Index is int i ? $"{item.File}:{i}" : item.File;
        if (item.Error is not null)
            return [new Text(input), new Text("-"), new Text("-"), new Markup($"[red]error: {Markup.Escape(item.Error)}[/]")];
        NumberReading r = item.Reading!;
        Spectre.Console.Rendering.IRenderable flag = r.IsEmpty
            ? new Markup($"[yellow]no digit: {Markup.Escape(r.Message ?? PredictionService.ReasonName(r.Reason))}[/]")
            : r.IsConfident ? new Markup("[green]ok[/]") : new Markup("[yellow]some digits uncertain[/]");
        return [new Text(input), new Text(r.IsEmpty ? "-" : r.Number),
            new Text(r.IsEmpty ? "-" : r.Confidence.ToString("F3", CultureInfo.InvariantCulture)), flag];
    }

    private static string ToJson(Item item)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, CliJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("file", item.File);
            if (item.Index is int index) w.WriteNumber("index", index);
            if (item.Error is not null)
            {
                w.WriteString("error", item.Error);
            }
            else
            {
                NumberReading r = item.Reading!;
                w.WriteString("number", r.Number);
                w.WriteNumber("confidence", r.Confidence);
                w.WriteBoolean("confident", r.IsConfident);
                w.WriteStartArray("digits");
                foreach (ReadDigit d in r.Digits)
                {
                    w.WriteStartObject();
                    w.WriteNumber("digit", d.Digit);
                    w.WriteNumber("confidence", d.Confidence);
                    w.WriteBoolean("confident", d.IsConfident);
                    w.WriteStartArray("box");
                    w.WriteNumberValue(d.Box.X);
                    w.WriteNumberValue(d.Box.Y);
                    w.WriteNumberValue(d.Box.Width);
                    w.WriteNumberValue(d.Box.Height);
                    w.WriteEndArray();
                    w.WriteStartArray("probabilities");
                    foreach (float p in d.Probabilities) w.WriteNumberValue(p);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                if (r.IsEmpty)
                {
                    w.WriteString("no_digit", PredictionService.ReasonName(r.Reason));
                    if (r.Message is not null) w.WriteString("message", r.Message);
                }
            }
            if (item.Label is not null) w.WriteString("label", item.Label);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
