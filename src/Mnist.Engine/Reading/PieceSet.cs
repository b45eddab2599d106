using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>A piece of ink (a stroke, a connected component, or a slice of one) that segmentation groups into digits.</summary>
/// <param name="X0">Left edge.</param>
/// <param name="Y0">Top edge.</param>
/// <param name="X1">Right edge.</param>
/// <param name="Y1">Bottom edge.</param>
/// <param name="IsSpeck">Small enough to be left out as noise.</param>
/// <param name="Whole">Which connected whole the piece was cut from (slices of one image component share it); for
/// strokes, the stroke itself.</param>
internal readonly record struct Piece(float X0, float Y0, float X1, float Y1, bool IsSpeck, int Whole)
{
    public float CentreX => 0.5f * (X0 + X1);
}

/// <summary>The pieces of one input, sorted left to right by centre, and how to frame a run of them as one digit.</summary>
internal abstract class PieceSet
{
    /// <summary>Pieces sorted by <see cref="Piece.CentreX"/>.</summary>
    public abstract IReadOnlyList<Piece> Pieces { get; }

    /// <summary>Height of the line of digits (all ink), > 0.</summary>
    public abstract float LineHeight { get; }

    /// <summary>Frames pieces [first, first + count) as one MNIST digit.</summary>
    public abstract PreprocessResult Frame(int first, int count);

    /// <summary>True when pieces may be slices of one connected whole (image components cut by seams).</summary>
    public virtual bool HasCuts => false;

    /// <summary>Frames the whole input as one digit, exactly as <see cref="DigitPreprocessor"/> does for a lone digit.</summary>
    public abstract PreprocessResult FrameAll();
}
