using System.Globalization;
using System.Text.Json;
using Mnist.Engine.Preprocessing;
using Mnist.Server.Hosting;

namespace Mnist.Server.Api;

/// <summary>The parsed body of <c>POST /v1/predict</c>: one digit, or a batch.</summary>
/// <param name="Single">The digit of a single request; null for a batch.</param>
/// <param name="Items">The digits of a batch request; null for a single one.</param>
public sealed record PredictJson(DigitInput? Single, IReadOnlyList<DigitInput>? Items);

/// <summary>
/// A strict, allocation-light reader for the JSON bodies of <c>/v1/predict</c>:
/// <c>{"pixels":[784 numbers 0–255]}</c>, <c>{"strokes":[[[x,y],…],…],"width":W,"height":H}</c> (points may also be
/// <c>[x,y,t]</c> or <c>{"x":..,"y":..}</c>), or <c>{"items":[ one of those, … ]}</c>.
/// </summary>
/// <remarks>
/// Syntax errors and wrong JSON types are 400; well-formed values that are out of range, the wrong count, or over a
/// limit are 422. Each error names the offending value with a JSON pointer. Unknown properties are skipped (room for
/// future fields); a property given twice is an error. Numbers must be finite (JSON has no NaN, and overflowing
/// literals such as <c>1e999</c> are refused).
/// </remarks>
public static class PredictJsonParser
{
    private const int PixelCount = 784;
    private const float MaxCoordinate = 1_000_000f;

    /// <summary>Parses a request body.</summary>
    /// <exception cref="InputException">400 or 422 with the reason.</exception>
    public static PredictJson Parse(ReadOnlySpan<byte> json, LimitOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read()) throw InputException.Malformed("The body is empty; expected a JSON object.");
            if (reader.TokenType != JsonTokenType.StartObject)
                throw InputException.Malformed($"The body must be a JSON object; got {Describe(reader.TokenType)}.", "");
            var points = new PointBudget(limits.MaxPoints);
            var source = new JsonInput(json);
            PredictJson result = ParseObject(ref reader, limits, "", allowItems: true, ref points, ref source);
            if (reader.Read()) throw InputException.Malformed("Unexpected content after the JSON object.");
            return result;
        }
        catch (JsonException e)
        {
            throw InputException.Malformed($"Not valid JSON: {e.Message}");
        }
    }

    private static PredictJson ParseObject(ref Utf8JsonReader reader, LimitOptions limits, string pointer, bool allowItems, ref PointBudget points, ref JsonInput source)
    {
        byte[]? pixels = null;
        List<IReadOnlyList<StrokePoint>>? strokes = null;
        List<DigitInput>? items = null;
        float? width = null, height = null;
        int kinds = 0;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("pixels"u8))
            {
                if (pixels is not null) throw Duplicate(pointer, "pixels");
                pixels = ParsePixels(ref reader, pointer + "/pixels", ref source);
                kinds++;
            }
            else if (reader.ValueTextEquals("strokes"u8))
            {
                if (strokes is not null) throw Duplicate(pointer, "strokes");
                strokes = ParseStrokes(ref reader, limits, pointer + "/strokes", ref points);
                kinds++;
            }
            else if (reader.ValueTextEquals("width"u8))
            {
                if (width is not null) throw Duplicate(pointer, "width");
                width = ParseCanvasSide(ref reader, pointer + "/width");
            }
            else if (reader.ValueTextEquals("height"u8))
            {
                if (height is not null) throw Duplicate(pointer, "height");
                height = ParseCanvasSide(ref reader, pointer + "/height");
            }
            else if (allowItems && reader.ValueTextEquals("items"u8))
            {
                if (items is not null) throw Duplicate(pointer, "items");
                items = ParseItems(ref reader, limits, pointer + "/items", ref points, ref source);
                kinds++;
            }
            else
            {
                if (!reader.Read() || !reader.TrySkip()) throw InputException.Malformed("The JSON ends inside a value.");
            }
        }
        if (kinds != 1)
        {
            string what = allowItems ? "\"pixels\", \"strokes\" or \"items\"" : "\"pixels\" or \"strokes\"";
            throw InputException.Invalid(kinds == 0 ? $"Expected one of {what}." : $"Give only one of {what}.", pointer);
        }
        if (items is not null) return new PredictJson(null, items);
        DigitInput input = pixels is not null ? DigitInput.FromPixels(pixels) : DigitInput.FromStrokes(strokes!, width ?? 0f, height ?? 0f);
        return new PredictJson(input, null);
    }

    private static List<DigitInput> ParseItems(ref Utf8JsonReader reader, LimitOptions limits, string pointer, ref PointBudget points, ref JsonInput source)
    {
        Expect(ref reader, JsonTokenType.StartArray, pointer, "an array of digit objects");
        var items = new List<DigitInput>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            string at = Pointer(pointer, items.Count);
            if (items.Count >= limits.MaxBatchItems)
                throw InputException.Invalid($"A batch holds at most {limits.MaxBatchItems} items.", at);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw InputException.Malformed($"Each item must be an object with \"pixels\" or \"strokes\"; got {Describe(reader.TokenType)}.", at);
            items.Add(ParseObject(ref reader, limits, at, allowItems: false, ref points, ref source).Single!);
        }
        if (items.Count == 0) throw InputException.Invalid("The batch is empty.", pointer);
        return items;
    }

    private static byte[] ParsePixels(ref Utf8JsonReader reader, string pointer, ref JsonInput source)
    {
        Expect(ref reader, JsonTokenType.StartArray, pointer, $"an array of {PixelCount} numbers 0–255");
        // Nearly every body is 784 plain integers; reading them straight from the bytes costs a fraction of the
        // reader's token-by-token double parsing, which was the largest managed cost of a request under load.
        // Anything else (decimals, exponents, bad values, wrong counts) goes the reader's way and gets its errors.
        var fast = new byte[PixelCount];
        int at = source.ReaderStart + (int)reader.BytesConsumed;
        if (TryScanPixels(source.Json, ref at, fast))
        {
            // Resume a reader at the closing bracket from the state after '[': the same document, one token on.
            reader = new Utf8JsonReader(source.Json[at..], isFinalBlock: true, reader.CurrentState);
            source.ReaderStart = at;
            Read(ref reader);
            return fast;
        }
        byte[] pixels = fast;
        int n = 0;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (n >= PixelCount)
                throw InputException.Invalid($"Expected exactly {PixelCount} pixels (28×28); got more.", pointer);
            double v = Number(ref reader, pointer, n);
            if (v is < 0 or > 255)
                throw InputException.Invalid(string.Create(CultureInfo.InvariantCulture, $"Pixel values must be 0–255; got {v}."), Pointer(pointer, n));
            pixels[n++] = (byte)Math.Round(v);
        }
        if (n != PixelCount) throw InputException.Invalid($"Expected exactly {PixelCount} pixels (28×28); got {n}.", pointer);
        return pixels;
    }

    /// <summary>Reads exactly <see cref="PixelCount"/> JSON integers 0–255 (no sign, fraction, exponent or leading
    /// zero) and the closing bracket from <paramref name="at"/>, which ends on that bracket.</summary>
    /// <returns>False, with <paramref name="pixels"/> partly written, for anything else.</returns>
    internal static bool TryScanPixels(ReadOnlySpan<byte> json, ref int at, byte[] pixels)
    {
        int p = at, n = 0;
        while (true)
        {
            p = SkipWhitespace(json, p);
            if (p >= json.Length || (uint)(json[p] - '0') > 9 || n == PixelCount) return false;
            int v = json[p++] - '0';
            if (v == 0)
            {
                if (p < json.Length && (uint)(json[p] - '0') <= 9) return false; // leading zero: invalid JSON
            }
            else
            {
                for (int digits = 1; p < json.Length && (uint)(json[p] - '0') <= 9; digits++, p++)
                {
                    if (digits == 3) return false;
                    v = v * 10 + (json[p] - '0');
                }
                if (v > 255) return false;
            }
            pixels[n++] = (byte)v;
            p = SkipWhitespace(json, p);
            if (p >= json.Length) return false;
            if (json[p] == ',')
            {
                p++;
                continue;
            }
            if (json[p] != ']' || n != PixelCount) return false;
            at = p;
            return true;
        }
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int p)
    {
        while (p < json.Length && json[p] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') p++;
        return p;
    }

    /// <summary>The whole body and where the current reader's input starts in it (the pixel scan replaces the reader).</summary>
    private ref struct JsonInput(ReadOnlySpan<byte> json)
    {
        public readonly ReadOnlySpan<byte> Json = json;
        public int ReaderStart;
    }

    private static List<IReadOnlyList<StrokePoint>> ParseStrokes(ref Utf8JsonReader reader, LimitOptions limits, string pointer, ref PointBudget points)
    {
        Expect(ref reader, JsonTokenType.StartArray, pointer, "an array of strokes, each an array of [x,y] points");
        var strokes = new List<IReadOnlyList<StrokePoint>>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            string at = Pointer(pointer, strokes.Count);
            if (strokes.Count >= limits.MaxStrokes) throw InputException.Invalid($"A drawing holds at most {limits.MaxStrokes} strokes.", at);
            if (reader.TokenType != JsonTokenType.StartArray)
                throw InputException.Malformed($"Each stroke must be an array of [x,y] points; got {Describe(reader.TokenType)}.", at);
            var stroke = new List<StrokePoint>();
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (!points.Take()) throw InputException.Invalid($"A request holds at most {limits.MaxPoints} points.", Pointer(at, stroke.Count));
                stroke.Add(ParsePoint(ref reader, at, stroke.Count));
            }
            strokes.Add(stroke);
        }
        return strokes;
    }

    private static StrokePoint ParsePoint(ref Utf8JsonReader reader, string stroke, int index)
    {
        // The point's pointer is built only for an error message: a drawing has thousands of points.
        string At() => Pointer(stroke, index);
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            // [x, y] or [x, y, t]: the time stamp (or pressure) is accepted and ignored.
            float x = 0, y = 0;
            int n = 0;
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (n >= 3) throw InputException.Malformed("A point is [x, y] (optionally [x, y, t]); got more numbers.", At());
                if (reader.TokenType != JsonTokenType.Number)
                    throw InputException.Malformed($"Expected a number; got {Describe(reader.TokenType)}.", Pointer(At(), n));
                if (!reader.TryGetDouble(out double v) || !double.IsFinite(v)) throw InputException.Invalid("The number is out of range.", Pointer(At(), n));
                if (n < 2 && Math.Abs(v) > MaxCoordinate) Coordinate(v, Pointer(At(), n), ref x);
                if (n == 0) x = (float)v;
                else if (n == 1) y = (float)v;
                n++;
            }
            if (n < 2) throw InputException.Malformed("A point is [x, y]; got fewer than two numbers.", At());
            return new StrokePoint(x, y);
        }
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            float x = 0, y = 0;
            bool hasX = false, hasY = false;
            string pointer = At();
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("x"u8) && !hasX) { Read(ref reader); Coordinate(Number(ref reader, pointer + "/x"), pointer + "/x", ref x); hasX = true; }
                else if (reader.ValueTextEquals("y"u8) && !hasY) { Read(ref reader); Coordinate(Number(ref reader, pointer + "/y"), pointer + "/y", ref y); hasY = true; }
                else if (!reader.Read() || !reader.TrySkip()) throw InputException.Malformed("The JSON ends inside a value.");
            }
            if (!hasX || !hasY) throw InputException.Malformed("A point object needs numbers \"x\" and \"y\".", pointer);
            return new StrokePoint(x, y);
        }
        throw InputException.Malformed($"A point must be [x, y]; got {Describe(reader.TokenType)}.", At());
    }

    private static void Coordinate(double v, string pointer, ref float target)
    {
        if (Math.Abs(v) > MaxCoordinate)
            throw InputException.Invalid(string.Create(CultureInfo.InvariantCulture, $"Coordinates must be within ±{MaxCoordinate}; got {v}."), pointer);
        target = (float)v;
    }

    private static float ParseCanvasSide(ref Utf8JsonReader reader, string pointer)
    {
        Read(ref reader);
        double v = Number(ref reader, pointer);
        if (v is < 0 or > MaxCoordinate)
            throw InputException.Invalid(string.Create(CultureInfo.InvariantCulture, $"The canvas size must be 0–{MaxCoordinate}; got {v}."), pointer);
        return (float)v;
    }

    /// <summary>Reads a finite number; <paramref name="index"/> ≥ 0 appends an array index to the error pointer.</summary>
    private static double Number(ref Utf8JsonReader reader, string pointer, int index = -1)
    {
        if (reader.TokenType != JsonTokenType.Number)
            throw InputException.Malformed($"Expected a number; got {Describe(reader.TokenType)}.", index < 0 ? pointer : Pointer(pointer, index));
        if (!reader.TryGetDouble(out double v) || !double.IsFinite(v))
            throw InputException.Invalid("The number is out of range.", index < 0 ? pointer : Pointer(pointer, index));
        return v;
    }

    /// <summary>Moves to the next token (a property name inside objects, a value inside arrays).</summary>
    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType;
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw InputException.Malformed("The JSON ends too early.");
        if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueIsEscaped) CheckEscapes(ref reader);
    }

    /// <summary>The reader checks a <c>\u</c> escape's syntax as it reads, but a lone surrogate (<c>"\ud800"</c>) only
    /// when the name is unescaped, and then <c>ValueTextEquals</c> throws InvalidOperationException: unescape escaped
    /// property names once here (rare, so the allocation does not matter) to answer 400 instead.</summary>
    private static void CheckEscapes(ref Utf8JsonReader reader)
    {
        try
        {
            _ = reader.GetString();
        }
        catch (InvalidOperationException e)
        {
            throw InputException.Malformed($"Not valid JSON: a property name has an invalid \\u escape ({e.Message})");
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string pointer, string what)
    {
        Read(ref reader);
        if (reader.TokenType != type) throw InputException.Malformed($"Expected {what}; got {Describe(reader.TokenType)}.", pointer);
    }

    private static InputException Duplicate(string pointer, string name) => InputException.Malformed($"Property \"{name}\" is given twice.", pointer + "/" + name);

    private static string Pointer(string parent, int index) => string.Create(CultureInfo.InvariantCulture, $"{parent}/{index}");

    private static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => t.ToString(),
    };

    /// <summary>Counts points across all strokes of a request, so a batch cannot multiply the limit.</summary>
    private struct PointBudget(int max)
    {
        private int _left = max;

        public bool Take() => --_left >= 0;
    }
}
