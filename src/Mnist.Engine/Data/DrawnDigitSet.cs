using System.Security.Cryptography;
using System.Text.Json;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data;

/// <summary>
/// Digits drawn as pen strokes, read from a JSON-lines file in the pendigits format: one object per line with
/// <c>label</c> (0–9), <c>writer</c> (an integer ≥ 1) and <c>strokes</c> (<c>[[[x,y],…],…]</c>, y growing downwards);
/// other fields are ignored, blank lines skipped.
/// </summary>
public sealed class DrawnDigitSet
{
    /// <summary>Largest file accepted (the pendigits training file is about 4 MB).</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>Creates a set over <paramref name="samples"/>.</summary>
    /// <param name="samples">The digits.</param>
    /// <param name="name">The file name (never a path) for messages, model cards and metrics.</param>
    /// <param name="sha256">Lower-case hex SHA-256 of the file's bytes, or "" for data not read from a file.</param>
    public DrawnDigitSet(IReadOnlyList<DrawnDigit> samples, string name, string sha256 = "")
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(sha256);
        Samples = samples;
        Name = name;
        Sha256 = sha256;
    }

    /// <summary>The digits, in file order.</summary>
    public IReadOnlyList<DrawnDigit> Samples { get; }

    /// <summary>Number of digits.</summary>
    public int Count => Samples.Count;

    /// <summary>The file name the digits came from (without folders).</summary>
    public string Name { get; }

    /// <summary>Lower-case hex SHA-256 of the file, "" when not read from a file.</summary>
    public string Sha256 { get; }

    /// <summary>The writers present, ascending.</summary>
    public WriterSet Writers => WriterSet.Of(Samples.Select(s => s.Writer));

    /// <summary>The digits of the writers in <paramref name="writers"/> (all of them when null), in file order.</summary>
    public DrawnDigitSet Where(WriterSet? writers) =>
        writers is null ? this : new DrawnDigitSet(Samples.Where(s => writers.Contains(s.Writer)).ToArray(), Name, Sha256);

    /// <summary>
    /// Splits by writer: the digits of <paramref name="writers"/> and those of everyone else. No writer is on both sides.
    /// </summary>
    public (DrawnDigitSet Inside, DrawnDigitSet Outside) SplitByWriters(WriterSet writers)
    {
        ArgumentNullException.ThrowIfNull(writers);
        return (new DrawnDigitSet(Samples.Where(s => writers.Contains(s.Writer)).ToArray(), Name, Sha256),
            new DrawnDigitSet(Samples.Where(s => !writers.Contains(s.Writer)).ToArray(), Name, Sha256));
    }

    /// <summary>Reads a pendigits-style JSON-lines file.</summary>
    /// <exception cref="DataFormatException">Missing file, or a line that is not a valid sample (the message gives the
    /// line number and the problem), or no samples at all.</exception>
    public static DrawnDigitSet Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new DataFormatException(path, "drawn-digits file not found.");
        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes) throw new DataFormatException(path, $"file is larger than {MaxFileBytes / (1024 * 1024)} MB.");
        byte[] bytes = File.ReadAllBytes(path);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8);
        return Parse(reader, Path.GetFileName(path), sha, path);
    }

    /// <summary>Reads JSON lines from <paramref name="reader"/>.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="name">Name recorded in <see cref="Name"/>.</param>
    /// <param name="sha256">Checksum recorded in <see cref="Sha256"/>.</param>
    /// <param name="source">What to name in error messages (default: <paramref name="name"/>).</param>
    /// <exception cref="DataFormatException">A malformed line, or no samples.</exception>
    public static DrawnDigitSet Parse(TextReader reader, string name, string sha256 = "", string? source = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(name);
        source ??= name;
        var samples = new List<DrawnDigit>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                samples.Add(ParseLine(line, lineNumber));
            }
            catch (JsonException e)
            {
                throw new DataFormatException(source, $"line {lineNumber}: not valid JSON ({e.Message}).", e);
            }
            catch (FormatException e)
            {
                throw new DataFormatException(source, $"line {lineNumber}: {e.Message}", e);
            }
        }
        if (samples.Count == 0) throw new DataFormatException(source, "no drawn digits: the file holds no sample lines.");
        return new DrawnDigitSet(samples, name, sha256);
    }

    private static DrawnDigit ParseLine(string line, int lineNumber)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object {\"label\",\"writer\",\"strokes\"}.");
        int label = Integer(root, "label");
        if (label is < 0 or > 9) throw new FormatException($"label {label} is not a digit 0–9.");
        int writer = Integer(root, "writer");
        if (writer < 1) throw new FormatException($"writer {writer} is not a writer number (≥ 1).");
        if (!root.TryGetProperty("strokes", out var strokesElement) || strokesElement.ValueKind != JsonValueKind.Array)
            throw new FormatException("missing \"strokes\" array.");
        var strokes = new List<StrokePoint[]>();
        int total = 0;
        foreach (var stroke in strokesElement.EnumerateArray())
        {
            if (stroke.ValueKind != JsonValueKind.Array) throw new FormatException($"stroke {strokes.Count + 1} is not an array of [x,y] points.");
            var points = new List<StrokePoint>();
            foreach (var p in stroke.EnumerateArray())
            {
                if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 2
                    || p[0].ValueKind != JsonValueKind.Number || p[1].ValueKind != JsonValueKind.Number)
                    throw new FormatException($"stroke {strokes.Count + 1}, point {points.Count + 1} is not an [x,y] pair of numbers.");
                float x = p[0].GetSingle(), y = p[1].GetSingle();
                if (!float.IsFinite(x) || !float.IsFinite(y))
                    throw new FormatException($"stroke {strokes.Count + 1}, point {points.Count + 1} is not finite.");
                points.Add(new StrokePoint(x, y));
            }
            if (points.Count == 0) throw new FormatException($"stroke {strokes.Count + 1} has no points.");
            total += points.Count;
            if (total > DigitPreprocessor.MaxStrokePoints) throw new FormatException($"more than {DigitPreprocessor.MaxStrokePoints} points.");
            strokes.Add(points.ToArray());
        }
        if (strokes.Count == 0) throw new FormatException("\"strokes\" is empty.");
        if (strokes.Count > DigitPreprocessor.MaxStrokes) throw new FormatException($"more than {DigitPreprocessor.MaxStrokes} strokes.");
        return new DrawnDigit(label, writer, strokes.ToArray(), lineNumber);
    }

    private static int Integer(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e)) throw new FormatException($"missing \"{name}\".");
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int v)) throw new FormatException($"\"{name}\" is not an integer.");
        return v;
    }
}
