using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>
/// An image's ink as pieces: connected components of the ink coverage (8-neighbours, u ≥ 0.2), and components wide
/// enough to hold touching digits cut at their thinnest columns. Segmentation may join the cut slices again, so a cut
/// only offers a split; the model's scores decide.
/// </summary>
internal sealed class ImagePieces : PieceSet
{
    /// <summary>A component with fewer ink pixels than this is noise and takes no part.</summary>
    public const int MinComponentPixels = 3;

    /// <summary>A piece whose longer side is below this fraction of the line height is a speck.</summary>
    public const float SpeckSize = 0.2f;

    /// <summary>Cuts keep at least this much (line heights) on each side of a component.</summary>
    public const float CutMargin = 0.2f;

    /// <summary>Two cuts in one component stand at least this far apart (line heights).</summary>
    public const float CutSpacing = 0.3f;

    /// <summary>A column is a cut candidate when its ink is at most this many pen widths tall.</summary>
    public const float CutMaxInk = 2.5f;

    private readonly float[] _u;
    private readonly int _width, _height;
    private readonly int[] _owner;          // component id + 1 of each pixel with ink (grey edges join a neighbour); 0 none
    private readonly Func<PreprocessResult> _frameAll;
    private readonly List<(int Component, int C0, int C1, Piece Box)> _slices = [];
    private readonly Piece[] _pieces;

    public ImagePieces(float[] coverage, int width, int height, NumberReaderOptions options, Func<PreprocessResult> frameAll)
    {
        _u = coverage;
        _width = width;
        _height = height;
        _frameAll = frameAll;
        int[] label = Label(coverage, width, height, out List<(int X0, int Y0, int X1, int Y1, int Count)> components);
        _owner = Own(coverage, label, width, height);

        int lineTop = int.MaxValue, lineBottom = -1, left = int.MaxValue, right = -1;
        foreach (var c in components)
        {
            if (c.Count < MinComponentPixels) continue;
            lineTop = Math.Min(lineTop, c.Y0); lineBottom = Math.Max(lineBottom, c.Y1);
            left = Math.Min(left, c.X0); right = Math.Max(right, c.X1);
        }
        LineHeight = lineBottom < 0 ? 1f : Math.Max(Math.Max(lineBottom - lineTop + 1, (right - left + 1) / 8f), 1f);
        float penWidth = PenWidth(coverage, width, height);

        for (int id = 0; id < components.Count; id++)
        {
            var c = components[id];
            if (c.Count < MinComponentPixels) continue;
            int w = c.X1 - c.X0 + 1;
            var cuts = new List<int>();
            if (w >= options.CutWidth * LineHeight) cuts = Cuts(id + 1, c.X0, c.X1, c.Y0, c.Y1, penWidth);
            int start = c.X0;
            foreach (int cut in cuts.Append(c.X1 + 1))
            {
                Piece? box = SliceBox(id + 1, start, cut, c.Y0, c.Y1);
                if (box is Piece b) _slices.Add((id + 1, start, cut, b));
                start = cut;
            }
        }
        _slices.Sort((a, b) => a.Box.CentreX.CompareTo(b.Box.CentreX));
        _pieces = new Piece[_slices.Count];
        for (int i = 0; i < _pieces.Length; i++)
        {
            Piece b = _slices[i].Box;
            _pieces[i] = b with { IsSpeck = Math.Max(b.X1 - b.X0, b.Y1 - b.Y0) < SpeckSize * LineHeight };
        }
    }

    public override IReadOnlyList<Piece> Pieces => _pieces;

    public override float LineHeight { get; }

    public override PreprocessResult FrameAll() => _frameAll();

    public override PreprocessResult Frame(int first, int count)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int k = first; k < first + count; k++)
        {
            Piece b = _slices[k].Box;
            x0 = Math.Min(x0, (int)b.X0); y0 = Math.Min(y0, (int)b.Y0);
            x1 = Math.Max(x1, (int)b.X1 - 1); y1 = Math.Max(y1, (int)b.Y1 - 1);
        }
        // One pixel of margin catches the grey edge pixels the slices own.
        x0 = Math.Max(0, x0 - 1); y0 = Math.Max(0, y0 - 1);
        x1 = Math.Min(_width - 1, x1 + 1); y1 = Math.Min(_height - 1, y1 + 1);
        int w = x1 - x0 + 1, h = y1 - y0 + 1;
        var canvas = new float[w * h];
        for (int k = first; k < first + count; k++)
        {
            (int id, int c0, int c1, _) = _slices[k];
            int from = Math.Max(c0, x0), to = Math.Min(c1, x1 + 1);
            for (int y = y0; y <= y1; y++)
            {
                int o = y * _width;
                for (int x = from; x < to; x++)
                {
                    if (_owner[o + x] == id) canvas[(y - y0) * w + (x - x0)] = _u[o + x];
                }
            }
        }
        (NoDigitReason reason, string? message, MnistFrame.Box box) = MnistFrame.FindInk(canvas, w, h, checkExtent: false);
        var bounds = new InkBounds(box.X + x0, box.Y + y0, box.Width, box.Height);
        if (reason != NoDigitReason.None)
            return new PreprocessResult(new float[DigitPreprocessor.PixelCount], reason, message) { InkBounds = bounds };
        float[] output = MnistFrame.Place(canvas, w, box, out float s);
        return new PreprocessResult(output, NoDigitReason.None, null) { InkBounds = bounds, Scale = s, InkContrast = 1f };
    }

    /// <summary>Connected components of u ≥ 0.2 (8-neighbours); labels are component index + 1.</summary>
    private static int[] Label(float[] u, int width, int height, out List<(int X0, int Y0, int X1, int Y1, int Count)> components)
    {
        var label = new int[u.Length];
        components = [];
        var stack = new Stack<int>();
        for (int start = 0; start < u.Length; start++)
        {
            if (label[start] != 0 || u[start] < MnistFrame.BoxThreshold) continue;
            int id = components.Count + 1;
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1, count = 0;
            label[start] = id;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                int x = i % width, y = i / width;
                count++;
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int yy = y + dy;
                    if ((uint)yy >= (uint)height) continue;
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx;
                        if ((uint)xx >= (uint)width) continue;
                        int j = yy * width + xx;
                        if (label[j] != 0 || u[j] < MnistFrame.BoxThreshold) continue;
                        label[j] = id;
                        stack.Push(j);
                    }
                }
            }
            components.Add((x0, y0, x1, y1, count));
        }
        return label;
    }

    /// <summary>Who owns each pixel: ink pixels their component; faint edge pixels (0 &lt; u &lt; 0.2) a labelled neighbour.</summary>
    private static int[] Own(float[] u, int[] label, int width, int height)
    {
        var owner = (int[])label.Clone();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                if (owner[i] != 0 || u[i] <= 0f) continue;
                for (int k = 0; k < 9 && owner[i] == 0; k++)
                {
                    int xx = x + k % 3 - 1, yy = y + k / 3 - 1;
                    if ((uint)xx < (uint)width && (uint)yy < (uint)height) owner[i] = label[yy * width + xx];
                }
            }
        }
        return owner;
    }

    /// <summary>The median length of vertical ink runs: the pen's width in pixels (at least 1).</summary>
    private static float PenWidth(float[] u, int width, int height)
    {
        var runs = new List<int>();
        for (int x = 0; x < width; x++)
        {
            int run = 0;
            for (int y = 0; y <= height; y++)
            {
                bool ink = y < height && u[y * width + x] >= MnistFrame.BoxThreshold;
                if (ink) run++;
                else if (run > 0) { runs.Add(run); run = 0; }
            }
        }
        if (runs.Count == 0) return 1f;
        runs.Sort();
        return Math.Max(1f, runs[runs.Count / 2]);
    }

    /// <summary>Cut columns of one wide component: local minima of its column ink, thin enough to be where two digits
    /// touch, the thinnest first, kept apart by <see cref="CutSpacing"/>.</summary>
    private List<int> Cuts(int id, int x0, int x1, int y0, int y1, float penWidth)
    {
        int w = x1 - x0 + 1;
        var ink = new int[w];
        for (int y = y0; y <= y1; y++)
        {
            int o = y * _width;
            for (int x = x0; x <= x1; x++) if (_owner[o + x] == id && _u[o + x] >= MnistFrame.BoxThreshold) ink[x - x0]++;
        }
        int margin = (int)MathF.Ceiling(CutMargin * LineHeight);
        int window = Math.Max(1, (int)(0.08f * LineHeight));
        var candidates = new List<(int Ink, int X)>();
        for (int i = margin; i < w - margin; i++)
        {
            if (ink[i] > CutMaxInk * penWidth) continue;
            bool minimum = true;
            for (int d = -window; d <= window && minimum; d++)
            {
                int j = i + d;
                if (j >= 0 && j < w && ink[j] < ink[i]) minimum = false;
            }
            if (minimum) candidates.Add((ink[i], i));
        }
        candidates.Sort();
        int maxCuts = Math.Max(1, (int)(w / (0.4f * LineHeight)));
        float spacing = CutSpacing * LineHeight;
        var cuts = new List<int>();
        foreach ((_, int i) in candidates)
        {
            if (cuts.Count >= maxCuts) break;
            int x = x0 + i;
            if (cuts.All(c => Math.Abs(c - x) >= spacing)) cuts.Add(x);
        }
        cuts.Sort();
        return cuts;
    }

    /// <summary>The ink box of a component's columns [c0, c1); null when they hold no ink pixel.</summary>
    private Piece? SliceBox(int id, int c0, int c1, int y0, int y1)
    {
        int bx0 = int.MaxValue, by0 = int.MaxValue, bx1 = -1, by1 = -1;
        for (int y = y0; y <= y1; y++)
        {
            int o = y * _width;
            for (int x = c0; x < c1; x++)
            {
                if (_owner[o + x] != id || _u[o + x] < MnistFrame.BoxThreshold) continue;
                if (x < bx0) bx0 = x;
                if (x > bx1) bx1 = x;
                if (y < by0) by0 = y;
                if (y > by1) by1 = y;
            }
        }
        return bx1 < 0 ? null : new Piece(bx0, by0, bx1 + 1, by1 + 1, false, id);
    }
}
