using System.Text.Json.Serialization;

namespace Mnist.Wire;

/// <summary>The answer of <c>POST /v1/predict</c> for one digit.</summary>
/// <param name="Digit">The recognized digit 0–9; null when the input holds no digit (see <paramref name="NoDigit"/>).</param>
/// <param name="Confidence">Probability of <paramref name="Digit"/>; 0 without a digit.</param>
/// <param name="Probabilities">The 10 class probabilities (all 0 without a digit: the model was not asked).</param>
/// <param name="Confident">False when the answer is ambiguous (low top probability or a close runner-up) or there is no digit.</param>
/// <param name="Model">Name of the model that answered.</param>
/// <param name="ElapsedMs">Server time for this request in milliseconds, from its start to the answer.</param>
/// <param name="NoDigit">Why there is no digit (<see cref="NoDigitNames"/>); absent when a digit was found.</param>
/// <param name="Message">A sentence explaining <paramref name="NoDigit"/>; absent when a digit was found.</param>
/// <param name="Precision">What computed the probabilities: <c>int8</c> (the model's int8 companion) or <c>float</c>;
/// absent when the model was not asked (no digit).</param>
public sealed record PredictionResponse(
    int? Digit,
    float Confidence,
    float[] Probabilities,
    bool Confident,
    string Model,
    double ElapsedMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NoDigit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Precision = null);

/// <summary>The answer of <c>POST /v1/predict</c> for a batch, in request order.</summary>
public sealed record BatchPredictionResponse(PredictionResponse[] Predictions, string Model, double ElapsedMs);

/// <summary>The JSON bodies of <c>POST /v1/predict</c> and <c>POST /v1/read</c> (give exactly one of
/// <paramref name="Pixels"/>, <paramref name="Strokes"/>, <paramref name="Items"/>). The server reads them with a strict
/// streaming parser; the SDK writes them with this record; the OpenAPI document describes them with it.</summary>
/// <param name="Pixels">784 numbers 0–255: a 28×28 image, row by row, white digit on black, already MNIST-like.</param>
/// <param name="Strokes">Pen strokes, each a list of [x, y] points in drawing order (y grows downwards).</param>
/// <param name="Width">Width of the drawing surface, in the points' units (optional; enables the "too small" check).</param>
/// <param name="Height">Height of the drawing surface (optional).</param>
/// <param name="Items">A batch: objects each with <c>pixels</c> or <c>strokes</c>.</param>
public sealed record PredictRequest(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int[]? Pixels = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[][][]? Strokes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Width = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Height = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PredictItem[]? Items = null);

/// <summary>One item of a batch request.</summary>
public sealed record PredictItem(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int[]? Pixels = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[][][]? Strokes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Width = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Height = null);
