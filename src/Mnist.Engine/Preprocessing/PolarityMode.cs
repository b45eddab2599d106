namespace Mnist.Engine.Preprocessing;

/// <summary>How the preprocessor decides which of ink and background is the brighter one.</summary>
public enum PolarityMode
{
    /// <summary>Detect from the image (see <see cref="DigitPreprocessor"/>, step B3).</summary>
    Auto,

    /// <summary>Light ink on a dark background (MNIST-like); never invert.</summary>
    LightOnDark,

    /// <summary>Dark ink on a light background (paper); always invert.</summary>
    DarkOnLight,
}
