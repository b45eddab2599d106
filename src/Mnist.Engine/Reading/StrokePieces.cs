using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>Pen strokes as pieces: each stroke is one piece; a digit is framed from its strokes alone, with the pen
/// width relative to that digit's size, exactly as a lone digit would be.</summary>
internal sealed class StrokePieces : PieceSet
{
    /// <summary>A stroke whose longer side is below this fraction of the line height is a speck (a tap, a dot).</summary>
    public const float SpeckSize = 0.12f;

    private readonly IReadOnlyList<IReadOnlyList<StrokePoint>> _strokes;
    private readonly IReadOnlyList<StrokePoint>[] _sorted;
    private readonly Piece[] _pieces;
    private readonly float _canvasWidth, _canvasHeight;
    private readonly PreprocessOptions _options;

    public StrokePieces(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, float canvasWidth, float canvasHeight, PreprocessOptions options)
    {
        _strokes = strokes;
        _canvasWidth = canvasWidth;
        _canvasHeight = canvasHeight;
        _options = options;
        var nonEmpty = new List<(IReadOnlyList<StrokePoint> Stroke, Piece Box)>(strokes.Count);
        float top = float.PositiveInfinity, bottom = float.NegativeInfinity, left = float.PositiveInfinity, right = float.NegativeInfinity;
        foreach (IReadOnlyList<StrokePoint> s in strokes)
        {
            if (s.Count == 0) continue;
            float x0 = float.PositiveInfinity, y0 = float.PositiveInfinity, x1 = float.NegativeInfinity, y1 = float.NegativeInfinity;
            foreach (StrokePoint p in s)
            {
                x0 = Math.Min(x0, p.X); x1 = Math.Max(x1, p.X);
                y0 = Math.Min(y0, p.Y); y1 = Math.Max(y1, p.Y);
            }
            nonEmpty.Add((s, new Piece(x0, y0, x1, y1, false, nonEmpty.Count)));
            top = Math.Min(top, y0); bottom = Math.Max(bottom, y1);
            left = Math.Min(left, x0); right = Math.Max(right, x1);
        }
        // The line height is the height of all the ink; a flat scribble still gets a usable unit.
        LineHeight = Math.Max(Math.Max(bottom - top, (right - left) / 8f), 1e-3f);
        nonEmpty.Sort((a, b) => a.Box.CentreX.CompareTo(b.Box.CentreX));
        _sorted = new IReadOnlyList<StrokePoint>[nonEmpty.Count];
        _pieces = new Piece[nonEmpty.Count];
        for (int i = 0; i < nonEmpty.Count; i++)
        {
            Piece b = nonEmpty[i].Box;
            _sorted[i] = nonEmpty[i].Stroke;
            _pieces[i] = b with { IsSpeck = Math.Max(b.X1 - b.X0, b.Y1 - b.Y0) < SpeckSize * LineHeight };
        }
    }

    public override IReadOnlyList<Piece> Pieces => _pieces;

    public override float LineHeight { get; }

    public override PreprocessResult Frame(int first, int count) =>
        DigitPreprocessor.FromStrokes(new ArraySegment<IReadOnlyList<StrokePoint>>(_sorted, first, count), _canvasWidth, _canvasHeight, _options);

    public override PreprocessResult FrameAll() => DigitPreprocessor.FromStrokes(_strokes, _canvasWidth, _canvasHeight, _options);
}
