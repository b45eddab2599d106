namespace Mnist.Engine.Preprocessing;

/// <summary>Why a preprocessing result holds no digit. A caller must report these, never classify them.</summary>
public enum NoDigitReason
{
    /// <summary>A digit was found; the result is usable.</summary>
    None,

    /// <summary>Nothing to see: no strokes, a fully transparent image, or a uniform image without ink.</summary>
    NoInk,

    /// <summary>Only a few ink pixels stand out from the background (noise or specks).</summary>
    TooLittleInk,

    /// <summary>The ink is a dot: too small compared with the image or canvas, or all stroke points coincide.</summary>
    TooSmall,

    /// <summary>The ink is a compact filled blob (a fat dot or a smudge), not strokes.</summary>
    Blob,
}
