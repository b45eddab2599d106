using System.Text.Json.Serialization;

namespace Mnist.Wire;

/// <summary>The answer of <c>POST /v1/read</c>: a whole number (several digits on one line), or "no digit".</summary>
/// <param name="Number">The digits read, left to right (e.g. <c>"4207"</c>); <c>""</c> when nothing was found.</param>
/// <param name="Confidence">Product of the digits' confidences (the model's probability that every digit is right); 0 when empty.</param>
/// <param name="Confident">True when every digit is confident; false when some segment is ambiguous or nothing was found.</param>
/// <param name="Digits">The digits, left to right; empty when nothing was found.</param>
/// <param name="Model">Name of the model that answered.</param>
/// <param name="ElapsedMs">Server time for this request in milliseconds, from its start to the answer.</param>
/// <param name="NoDigit">Why nothing was read (<see cref="NoDigitNames"/>); absent when digits were read.</param>
/// <param name="Message">A sentence explaining <paramref name="NoDigit"/>; absent when digits were read.</param>
/// <param name="Precision"><c>int8</c> or <c>float</c>: what computed the probabilities.</param>
public sealed record ReadResponse(
    string Number,
    float Confidence,
    bool Confident,
    ReadDigitResponse[] Digits,
    string Model,
    double ElapsedMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NoDigit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Precision = null);

/// <summary>One digit of a <see cref="ReadResponse"/>.</summary>
/// <param name="Digit">The digit 0–9.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="Confident">False when the segment is ambiguous (it may not be a digit at all).</param>
/// <param name="Box">The segment's ink box <c>[x, y, width, height]</c> in input coordinates (pixels of the image as
/// sent, upright, also when a large one was read at a reduced size; or the strokes' units).</param>
/// <param name="Probabilities">The 10 class probabilities.</param>
public sealed record ReadDigitResponse(int Digit, float Confidence, bool Confident, float[] Box, float[] Probabilities);

/// <summary>The answer of <c>POST /v1/read</c> for a batch, in request order.</summary>
public sealed record BatchReadResponse(ReadResponse[] Readings, string Model, double ElapsedMs);
