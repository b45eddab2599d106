using System.Text.Json;
using Mnist.Engine.Preprocessing;
using Mnist.Imaging;
using Mnist.Inference;

namespace Mnist.Cli.Commands;

/// <summary>One line of <c>mnist predict</c> output: a recognition or an error for one image file or jsonl line.</summary>
/// <param name="Label">Where the input came from: the file, or <c>file:line</c>.</param>
/// <param name="Result">The recognition; null on error.</param>
/// <param name="Error">Why the input could not be recognized; null on success.</param>
/// <param name="Expected">The digit the <c>.jsonl</c> line says it holds (its <c>"label"</c>); null when it has none.</param>
internal readonly record struct PredictItem(string Label, Recognition? Result, string? Error, int? Expected = null);

/// <summary>
/// Turns the IMAGE arguments of <c>mnist predict</c> into results, lazily: image files are decoded one at a time,
/// <c>.jsonl</c> files are read line by line (so a large file is streamed, never loaded whole). Each failure becomes
/// an item with an error; the enumeration goes on with the next line or file.
/// </summary>
internal static class PredictInputs
{
    public static IEnumerable<PredictItem> Enumerate(IEnumerable<string> paths, DigitPipeline pipeline)
    {
        foreach (string path in paths)
        {
            if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                foreach (PredictItem item in StrokeLines(path, pipeline)) yield return item;
            }
            else
            {
                yield return ImageFile(path, pipeline);
            }
        }
    }

    private static PredictItem ImageFile(string path, DigitPipeline pipeline)
    {
        try
        {
            if (Directory.Exists(path)) return new PredictItem(path, null, "a folder, not an image file (give the files inside it, e.g. DIR/*.png)");
            var file = new FileInfo(path);
            if (!file.Exists) return new PredictItem(path, null, "file not found");
            int max = ImageDecoderOptions.Default.MaxEncodedBytes;
            // Checked before reading, so a huge file is never loaded.
            if (file.Length > max) return new PredictItem(path, null, $"the file has {file.Length} bytes; at most {max} are accepted");
            byte[] bytes = File.ReadAllBytes(path);
            return new PredictItem(path, pipeline.Recognize(bytes), null);
        }
        catch (ImageDecodeException e)
        {
            return new PredictItem(path, null, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new PredictItem(path, null, e.Message);
        }
    }

    private static IEnumerable<PredictItem> StrokeLines(string path, DigitPipeline pipeline)
    {
        StreamReader reader;
        try
        {
            reader = new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [new PredictItem(path, null, e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message)];
        }
        return ReadLines(path, reader, pipeline);
    }

    private static IEnumerable<PredictItem> ReadLines(string path, StreamReader reader, DigitPipeline pipeline)
    {
        using (reader)
        {
            int lineNumber = 0;
            while (true)
            {
                string? line;
                string? readError = null;
                try
                {
                    line = reader.ReadLine();
                }
                catch (IOException e)
                {
                    line = null;
                    readError = e.Message;
                }
                if (readError is not null)
                {
                    yield return new PredictItem(path, null, readError);
                    yield break;
                }
                if (line is null) yield break;
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                yield return StrokeLine($"{path}:{lineNumber}", line, pipeline);
            }
        }
    }

    private static PredictItem StrokeLine(string label, string line, DigitPipeline pipeline)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            if (!TryParseLabel(doc.RootElement, out int? expected, out string? labelError))
                return new PredictItem(label, null, labelError);
            if (!TryParseStrokes(doc.RootElement, out List<IReadOnlyList<StrokePoint>> strokes, out string? error))
                return new PredictItem(label, null, error, expected);
            return new PredictItem(label, pipeline.RecognizeStrokes(strokes), null, expected);
        }
        catch (JsonException e)
        {
            return new PredictItem(label, null, $"not valid JSON: {e.Message}");
        }
        catch (ArgumentException e)
        {
            return new PredictItem(label, null, e.Message);
        }
    }

    /// <summary>
    /// Reads the optional <c>"label"</c> of one <c>.jsonl</c> line: the digit it holds, as a number (<c>7</c>, as
    /// pendigits writes it) or a one-character string (<c>"7"</c>, as <c>mnist read</c>'s labels are written).
    /// </summary>
    internal static bool TryParseLabel(JsonElement root, out int? label, out string? error)
    {
        label = null;
        error = null;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("label", out JsonElement l) || l.ValueKind == JsonValueKind.Null)
            return true;
        if (l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out int n) && n is >= 0 and <= 9)
            label = n;
        else if (l.ValueKind == JsonValueKind.String && l.GetString() is [char c and >= '0' and <= '9'])
            label = c - '0';
        else
            error = "\"label\" must be a digit 0-9";
        return error is null;
    }

    /// <summary>
    /// Reads the <c>"strokes"</c> array of one <c>.jsonl</c> line: strokes of points, each point <c>[x,y]</c> (more
    /// numbers, such as a time, are ignored) or <c>{"x":…,"y":…}</c>, the two forms <c>POST /v1/predict</c> takes.
    /// Other fields of the line are ignored.
    /// </summary>
    internal static bool TryParseStrokes(JsonElement root, out List<IReadOnlyList<StrokePoint>> strokes, out string? error)
    {
        strokes = [];
        error = null;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("strokes", out JsonElement strokesElement)
            || strokesElement.ValueKind != JsonValueKind.Array)
        {
            error = "the line has no \"strokes\" array";
            return false;
        }
        foreach (JsonElement stroke in strokesElement.EnumerateArray())
        {
            if (stroke.ValueKind != JsonValueKind.Array)
            {
                error = "a stroke is not an array of points";
                return false;
            }
            var points = new List<StrokePoint>();
            foreach (JsonElement p in stroke.EnumerateArray())
            {
                if (!TryParsePoint(p, out float x, out float y))
                {
                    error = "a point is neither [x,y] nor {\"x\":…,\"y\":…} with finite numbers";
                    return false;
                }
                points.Add(new StrokePoint(x, y));
            }
            strokes.Add(points);
        }
        return true;
    }

    private static bool TryParsePoint(JsonElement p, out float x, out float y)
    {
        x = y = 0;
        bool ok = p.ValueKind switch
        {
            JsonValueKind.Array => p.GetArrayLength() >= 2 && p[0].ValueKind == JsonValueKind.Number && p[1].ValueKind == JsonValueKind.Number
                && p[0].TryGetSingle(out x) && p[1].TryGetSingle(out y),
            JsonValueKind.Object => p.TryGetProperty("x", out JsonElement px) && p.TryGetProperty("y", out JsonElement py)
                && px.ValueKind == JsonValueKind.Number && py.ValueKind == JsonValueKind.Number && px.TryGetSingle(out x) && py.TryGetSingle(out y),
            _ => false,
        };
        return ok && float.IsFinite(x) && float.IsFinite(y);
    }
}
