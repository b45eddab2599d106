namespace Mnist.Engine.Preprocessing;

/// <summary>What a transparent pixel of an RGBA image stands for when it is composited to gray.</summary>
public enum TransparentBackground
{
    /// <summary>
    /// The opposite of the visible content: white when the alpha-weighted mean luminance of the visible pixels is
    /// below 0.5 (dark ink on a transparent canvas), otherwise black (light ink on a transparent canvas).
    /// </summary>
    Auto,

    /// <summary>Transparent is black.</summary>
    Black,

    /// <summary>Transparent is white.</summary>
    White,
}
