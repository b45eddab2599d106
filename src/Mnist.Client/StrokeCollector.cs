using Mnist.Engine.Preprocessing;

namespace Mnist.Client;

/// <summary>A touch sample: a position on the drawing surface and when it was taken.</summary>
/// <param name="X">Horizontal position in surface units (e.g. device-independent pixels).</param>
/// <param name="Y">Vertical position, growing downwards.</param>
/// <param name="Timestamp">Time of the sample (any monotonic clock, e.g. the touch event's).</param>
public readonly record struct TouchPoint(float X, float Y, TimeSpan Timestamp);

/// <summary>
/// Turns touch input into strokes and strokes into model input with the shared preprocessing. Feed it the
/// platform's touch events: <see cref="Begin"/> on touch down, <see cref="Move"/> on every move sample,
/// <see cref="End"/> on touch up (or <see cref="Cancel"/> on cancel). One finger draws at a time.
/// </summary>
/// <remarks>Not thread-safe: use it from the UI thread that receives the touch events.</remarks>
public sealed class StrokeCollector
{
    private readonly List<List<TouchPoint>> _strokes = [];
    private List<TouchPoint>? _current;

    /// <summary>Creates a collector for a surface of the given size (0 when unknown).</summary>
    public StrokeCollector(float canvasWidth = 0f, float canvasHeight = 0f) => Resize(canvasWidth, canvasHeight);

    /// <summary>Raised when a stroke ends (touch up): the moment to ask for a prediction.</summary>
    public event EventHandler? StrokeCompleted;

    /// <summary>Surface width in the points' units, or 0.</summary>
    public float CanvasWidth { get; private set; }

    /// <summary>Surface height, or 0.</summary>
    public float CanvasHeight { get; private set; }

    /// <summary>True while a finger or pen is down.</summary>
    public bool IsDrawing => _current is not null;

    /// <summary>Finished strokes.</summary>
    public int StrokeCount => _strokes.Count;

    /// <summary>Finished strokes with their timestamps.</summary>
    public IReadOnlyList<IReadOnlyList<TouchPoint>> TimedStrokes => _strokes;

    /// <summary>Sets the surface size (after a layout change).</summary>
    public void Resize(float canvasWidth, float canvasHeight)
    {
        if (!(float.IsFinite(canvasWidth) && canvasWidth >= 0 && float.IsFinite(canvasHeight) && canvasHeight >= 0))
            throw new ArgumentOutOfRangeException(nameof(canvasWidth), "The surface size must be finite and ≥ 0.");
        CanvasWidth = canvasWidth;
        CanvasHeight = canvasHeight;
    }

    /// <summary>Touch down: starts a stroke. A stroke still open (a missed touch up) is ended first.</summary>
    public void Begin(float x, float y, TimeSpan timestamp)
    {
        if (_current is not null) End();
        _current = [];
        Add(x, y, timestamp);
    }

    /// <summary>A move sample; ignored when no stroke is open, and when it repeats the last point.</summary>
    public void Move(float x, float y, TimeSpan timestamp)
    {
        if (_current is null) return;
        Add(x, y, timestamp);
    }

    /// <summary>Touch up: ends the stroke (with a last point when given) and raises <see cref="StrokeCompleted"/>.</summary>
    public void End(float? x = null, float? y = null, TimeSpan? timestamp = null)
    {
        if (_current is null) return;
        if (x is float px && y is float py) Add(px, py, timestamp ?? _current[^1].Timestamp);
        _strokes.Add(_current);
        _current = null;
        StrokeCompleted?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Touch cancelled (e.g. the system took the gesture): the open stroke is dropped.</summary>
    public void Cancel() => _current = null;

    /// <summary>Removes the last finished stroke.</summary>
    public bool Undo()
    {
        if (_strokes.Count == 0) return false;
        _strokes.RemoveAt(_strokes.Count - 1);
        return true;
    }

    /// <summary>Removes everything.</summary>
    public void Clear()
    {
        _strokes.Clear();
        _current = null;
    }

    /// <summary>The finished strokes as a drawing (positions only; timestamps are not part of the model input).</summary>
    public StrokeDrawing ToDrawing() => new(
        _strokes.Select(s => (IReadOnlyList<StrokePoint>)s.Select(p => new StrokePoint(p.X, p.Y)).ToArray()).ToArray(),
        CanvasWidth, CanvasHeight);

    /// <summary>The model input for the finished strokes: <see cref="DigitPreprocessor.FromStrokes"/>.</summary>
    public PreprocessResult ToModelInput(PreprocessOptions? options = null) => ToDrawing().Preprocess(options);

    private void Add(float x, float y, TimeSpan timestamp)
    {
        if (!float.IsFinite(x) || !float.IsFinite(y)) throw new ArgumentException($"Touch point ({x}, {y}) is not finite.");
        if (_current!.Count > 0 && _current[^1].X == x && _current[^1].Y == y) return;
        _current.Add(new TouchPoint(x, y, timestamp));
    }
}
