namespace Mnist.Wire;

/// <summary>
/// The wire names of the no-digit reasons (<c>"no_digit"</c> in answers). Each side maps them to the engine's
/// <c>NoDigitReason</c> (this project has no engine dependency): the server in <c>PredictionService.ReasonName</c>,
/// the SDK in <c>NoDigitReasons.Parse</c>.
/// </summary>
public static class NoDigitNames
{
    /// <summary>Nothing to see: no strokes, a transparent or uniform image.</summary>
    public const string NoInk = "no_ink";

    /// <summary>Only a few specks stand out from the background.</summary>
    public const string TooLittleInk = "too_little_ink";

    /// <summary>A dot: too small compared with the image or canvas, or all points coincide.</summary>
    public const string TooSmall = "too_small";

    /// <summary>A compact filled blob, not strokes.</summary>
    public const string Blob = "blob";

    /// <summary>Every name, in the order of the engine's enum (after <c>None</c>).</summary>
    public static IReadOnlyList<string> All { get; } = [NoInk, TooLittleInk, TooSmall, Blob];
}
