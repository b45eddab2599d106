using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>
/// An image's ink as pieces: connected components of the ink coverage (8-neighbours, u ≥ 0.2), and components wide
/// enough to hold touching digits cut along least-ink seams (nearly straight, round loops rather than through them, and
/// leaving a digit's height of ink on both sides) and straight down at the thinnest columns, or, in the second set the
/// reader tries (<c>followStrokes</c>), cut between stroke arcs for digits that overlap. Segmentation may join the cut
/// slices again, so a cut only offers a split; the model's scores decide.
/// </summary>
internal sealed class ImagePieces : PieceSet
{
    /// <summary>A piece whose longer side is below this fraction of the line height is a speck.</summary>
    public const float SpeckSize = 0.2f;

    /// <summary>Cuts keep at least this much (line heights) on each side of a component.</summary>
    public const float CutMargin = 0.06f;

    /// <summary>Two cuts in one component stand at least this far apart (line heights).</summary>
    public const float CutSpacing = 0.2f;

    /// <summary>Extra cost of a seam's sideways step, in coverage units: seams run nearly straight through the middle of
    /// a component rather than wander round its edge to snip off the end of a stroke.</summary>
    public const float SideStep = 0.5f;

    /// <summary>A cut column has the least ink within this distance (line heights) on either side.</summary>
    public const float CutWindow = 0.04f;

    /// <summary>At most one cut per this width (line heights) of a component.</summary>
    public const float CutEvery = 0.3f;

    /// <summary>Cost of a seam's step through blank space enclosed by the component's ink (a 0's or 9's loop), in
    /// coverage units: a seam between two digits passes round a loop, not through it.</summary>
    public const float HoleCost = 1f;

    /// <summary>A cut leaves ink at least this tall (line heights) on each side: one that only snips off a stroke's end
    /// separates no digit.</summary>
    public const float MinSideHeight = 0.5f;

    /// <summary>A column is a cut candidate when its ink is at most this many pen widths tall.</summary>
    public const float CutMaxInk = 6f;

    /// <summary>A straight cut's column has the least column ink within this distance (line heights) on either side.</summary>
    public const float StraightWindow = 0.05f;

    /// <summary>A straight cut crosses at most this many pen widths of ink.</summary>
    public const float StraightMaxInk = 12f;

    /// <summary>A straight cut's cost per pixel of blank space enclosed by the ink (a loop), in coverage units: far above
    /// ink, so straight cuts pass beside loops.</summary>
    public const float StraightHoleCost = 100f;

    /// <summary>Skeleton pixels within this many pen widths of a junction are dropped, so that strokes crossing there
    /// fall apart into separate arcs.</summary>
    public const float ArcJunctionRadius = 0.75f;

    /// <summary>Stroke arcs of a pen at least twice this wide (pixels) are found at a resolution reduced to bring the pen
    /// back to this width or a little more: thinning takes a pass over the box per pixel of the pen's half-width (the
    /// stroke cuts of a comb drawn with a 240-pixel pen in 6000×1500 took 7.8 s, reduced 1.3 s). The number bench's
    /// pens (at most 8 pixels) never reach it.</summary>
    public const float ArcPenPixels = 10f;

    /// <summary>A cut between stroke arcs lets at most this many pen widths of pixel pairs touch across it.</summary>
    public const float ArcMaxContact = 8f;

    private readonly float[] _u;
    private readonly int _width, _height;
    private readonly int[] _owner;          // component id + 1 of each pixel with ink (grey edges join a neighbour); 0 none
    private readonly Func<PreprocessResult> _frameAll;
    private readonly List<Slice> _slices = [];

    /// <summary>A component's pixels between two seams (null: the component's edge), or, when <see cref="Arcs"/> is
    /// set, the pixels of some of its stroke arcs; a seam gives, per row from <see cref="Top"/>, the first column on its
    /// right side.</summary>
    private sealed record Slice(int Component, int Top, int[]? Left, int[]? Right, Piece Box, ArcMask? Arcs = null)
    {
        /// <summary>Whether (x, y), a pixel of the component, is in the slice; rows above or below a seam (grey edge
        /// pixels) take the side of its first or last row.</summary>
        public bool Contains(int x, int y)
        {
            if (Arcs is ArcMask m) return m.Contains(x, y);
            int length = Left?.Length ?? Right?.Length ?? 0;
            if (length == 0) return true;
            int r = Math.Clamp(y - Top, 0, length - 1);
            return (Left is null || x >= Left[r]) && (Right is null || x < Right[r]);
        }
    }

    /// <summary>The pixels of a component's box (<see cref="X0"/>, <see cref="Y0"/>, <see cref="Width"/> wide) that
    /// belong to a slice made of stroke arcs.</summary>
    private sealed record ArcMask(int X0, int Y0, int Width, int Height, bool[] Inside)
    {
        public bool Contains(int x, int y)
        {
            int i = x - X0, j = y - Y0;
            return (uint)i < (uint)Width && (uint)j < (uint)Height && Inside[j * Width + i];
        }
    }
    private readonly Piece[] _pieces;

    /// <param name="ink">The image's components (shared by both ways of cutting it).</param>
    /// <param name="options">Segmentation weights (<see cref="NumberReaderOptions.CutWidth"/>).</param>
    /// <param name="frameAll">Frames the whole image as one digit.</param>
    /// <param name="followStrokes">Cut wide components between stroke arcs (<see cref="StrokeSlices"/>) instead of
    /// along seams and straight cuts.</param>
    public ImagePieces(InkComponents ink, NumberReaderOptions options, Func<PreprocessResult> frameAll, bool followStrokes = false)
    {
        _u = ink.Coverage;
        _width = ink.Width;
        _height = ink.Height;
        _frameAll = frameAll;
        _owner = ink.Owner;
        var components = ink.Components;
        LineHeight = ink.LineHeight;
        float penWidth = ink.PenWidth;

        for (int id = 0; id < components.Count; id++)
        {
            var c = components[id];
            if (c.Count < InkComponents.MinComponentPixels) continue;
            int w = c.X1 - c.X0 + 1;
            if (followStrokes)
            {
                if (w < options.StrokeCutWidth * LineHeight) { AddWhole(id + 1, c.X0, c.X1, c.Y0, c.Y1); continue; }
                StrokeCutComponents++;
                foreach (Slice slice in StrokeSlices(id + 1, c.X0, c.X1, c.Y0, c.Y1, penWidth))
                    if (SliceBox(slice, c.X0, c.X1, c.Y1) is Piece b) _slices.Add(slice with { Box = b });
                continue;
            }
            if (w >= options.StrokeCutWidth * LineHeight) StrokeCutComponents++;
            List<int[]> seams = w >= options.CutWidth * LineHeight ? Seams(id + 1, c.X0, c.X1, c.Y0, c.Y1, penWidth) : [];
            int[]? leftSeam = null;
            foreach (int[]? rightSeam in seams.Append(null))
            {
                var slice = new Slice(id + 1, c.Y0, leftSeam, rightSeam, default);
                Piece? box = SliceBox(slice, c.X0, c.X1, c.Y1);
                if (box is Piece b) _slices.Add(slice with { Box = b });
                leftSeam = rightSeam;
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

    private void AddWhole(int id, int x0, int x1, int y0, int y1)
    {
        var slice = new Slice(id, y0, null, null, default);
        if (SliceBox(slice, x0, x1, y1) is Piece b) _slices.Add(slice with { Box = b });
    }

    public override IReadOnlyList<Piece> Pieces => _pieces;

    /// <summary>How many components are wide enough to be cut between stroke arcs
    /// (<see cref="NumberReaderOptions.StrokeCutWidth"/>), whichever way this set was cut.</summary>
    public int StrokeCutComponents { get; }

    public override bool HasCuts => true;

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
            Slice slice = _slices[k];
            for (int y = y0; y <= y1; y++)
            {
                int o = y * _width;
                for (int x = x0; x <= x1; x++)
                {
                    if (_owner[o + x] == slice.Component && slice.Contains(x, y))
                        canvas[(y - y0) * w + (x - x0)] = _u[o + x];
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

    /// <summary>For tuning: the index of the piece owning each pixel with ink, −1 elsewhere.</summary>
    internal int[] PieceMap()
    {
        var map = new int[_width * _height];
        Array.Fill(map, -1);
        for (int k = 0; k < _slices.Count; k++)
        {
            Slice slice = _slices[k];
            for (int y = 0; y < _height; y++)
                for (int x = 0; x < _width; x++)
                {
                    int i = y * _width + x;
                    if (_owner[i] == slice.Component && _u[i] >= MnistFrame.BoxThreshold
                        && slice.Contains(x, y)) map[i] = k;
                }
        }
        return map;
    }

    /// <summary>
    /// Cut seams of one wide component: top-to-bottom paths that move at most one column per row and cross as little
    /// of the component's ink as possible (so they pass between overlapping strokes where a straight cut cannot).
    /// Ends are local minima of the crossing cost, at most <see cref="CutMaxInk"/> pen widths of ink, the cheapest
    /// first, kept <see cref="CutSpacing"/> apart and <see cref="CutMargin"/> inside the component. Besides them, as
    /// many straight cuts at minima of the column ink (<see cref="StraightWindow"/>, <see cref="StraightMaxInk"/>), kept
    /// as far from every other cut, for digits whose strokes run under or over each other.
    /// </summary>
    private List<int[]> Seams(int id, int x0, int x1, int y0, int y1, float penWidth)
    {
        int margin = (int)MathF.Ceiling(CutMargin * LineHeight);
        int lo = x0 + margin, hi = x1 - margin;
        if (hi < lo) return [];
        int w = hi - lo + 1, rows = y1 - y0 + 1;
        // cost[r, i]: least ink crossed from the top row to (lo + i, y0 + r); a sideways step costs a little extra so
        // that seams stay straight where nothing is in the way.
        var cost = new float[rows * w];
        var step = new sbyte[rows * w];
        bool[] hole = Holes(id, x0, x1, y0, y1);
        int boxWidth = x1 - x0 + 1;
        for (int r = 0; r < rows; r++)
        {
            int o = (y0 + r) * _width;
            for (int i = 0; i < w; i++)
            {
                int x = lo + i;
                float ink = _owner[o + x] == id ? _u[o + x] : hole[r * boxWidth + x - x0] ? HoleCost : 0f;
                if (r == 0) { cost[i] = ink; continue; }
                float best = cost[(r - 1) * w + i];
                sbyte from = 0;
                if (i > 0 && cost[(r - 1) * w + i - 1] + SideStep < best) { best = cost[(r - 1) * w + i - 1] + SideStep; from = -1; }
                if (i + 1 < w && cost[(r - 1) * w + i + 1] + SideStep < best) { best = cost[(r - 1) * w + i + 1] + SideStep; from = 1; }
                cost[r * w + i] = best + ink;
                step[r * w + i] = from;
            }
        }
        int window = Math.Max(1, (int)(CutWindow * LineHeight));
        var candidates = new List<(float Cost, int I)>();
        int last = (rows - 1) * w;
        for (int i = 0; i < w; i++)
        {
            float c = cost[last + i];
            if (c > CutMaxInk * penWidth) continue;
            bool minimum = true;
            for (int d = -window; d <= window && minimum; d++)
            {
                int j = i + d;
                if (j >= 0 && j < w && cost[last + j] < c) minimum = false;
            }
            if (minimum) candidates.Add((c, i));
        }
        candidates.Sort();
        int maxCuts = Math.Max(1, (int)((x1 - x0 + 1) / (CutEvery * LineHeight)));
        float spacing = CutSpacing * LineHeight;
        float minSide = MinSideHeight * LineHeight;
        var chosen = new List<(int End, int[] Seam)>();
        foreach ((_, int end) in candidates)
        {
            if (chosen.Count >= maxCuts) break;
            if (!chosen.All(e => Math.Abs(e.End - end) >= spacing)) continue;
            // The seam's column per row; the pixel on the seam goes to the right-hand slice.
            var seam = new int[rows];
            int i = end;
            for (int r = rows - 1; r >= 0; r--)
            {
                seam[r] = lo + i;
                i += step[r * w + i];
            }
            // A cut that only snips off a tail (a short end of a stroke) separates no digit.
            var (left, right) = SideHeights(id, x0, x1, y0, seam);
            if (Math.Min(left, right) < minSide) continue;
            chosen.Add((end, seam));
        }
        // Straight cuts at the minima of the column ink: where one digit's stroke runs under or over its neighbour, a
        // seam finds no cheap path, but a straight cut through both strokes still separates the digits. Scored like
        // the seams' slices; the reader's AmbiguityCost keeps the slices of a digit from outscoring it.
        var column = new float[w];
        for (int r = 0; r < rows; r++)
        {
            int o = (y0 + r) * _width;
            for (int i = 0; i < w; i++)
            {
                int x = lo + i;
                column[i] += _owner[o + x] == id ? _u[o + x] : hole[r * boxWidth + x - x0] ? StraightHoleCost : 0f;
            }
        }
        int straightWindow = Math.Max(1, (int)(StraightWindow * LineHeight));
        var straight = new List<(float Cost, int I)>();
        for (int i = 0; i < w; i++)
        {
            if (column[i] > StraightMaxInk * penWidth) continue;
            bool minimum = true;
            for (int d = -straightWindow; d <= straightWindow && minimum; d++)
            {
                int j = i + d;
                if (j >= 0 && j < w && column[j] < column[i]) minimum = false;
            }
            if (minimum) straight.Add((column[i], i));
        }
        straight.Sort();
        int straightCuts = 0;
        foreach ((_, int end) in straight)
        {
            if (straightCuts >= maxCuts) break;
            if (!chosen.All(e => Math.Abs(e.End - end) >= spacing)) continue;
            var seam = new int[rows];
            Array.Fill(seam, lo + end);
            var (left, right) = SideHeights(id, x0, x1, y0, seam);
            if (Math.Min(left, right) < minSide) continue;
            chosen.Add((end, seam));
            straightCuts++;
        }
        chosen.Sort((a, b) => a.End.CompareTo(b.End));
        var seams = chosen.Select(c => c.Seam).ToList();
        return seams;
    }

    /// <summary>
    /// Slices of one wide component made of whole stroke arcs (<see cref="StrokeArcs"/>): the arcs ordered by their
    /// ink's centre, cut between two neighbours in that order. Where a digit's stroke runs into or over its neighbour (a
    /// 1 through a 2's curve, a 7's bar over the next 7), every cut through the pixels leaves a part of one digit on the
    /// other's side; a cut between arcs gives each digit its own strokes. A cut is kept when few pixels of the two sides
    /// touch (at most <see cref="ArcMaxContact"/> pen widths: the sides meet only where strokes cross), both sides hold
    /// ink <see cref="MinSideHeight"/> tall, and it stands <see cref="CutSpacing"/> from the cuts kept before it
    /// (the fewest touching pixels first; at most one per <see cref="CutEvery"/>).
    /// </summary>
    private List<Slice> StrokeSlices(int id, int x0, int x1, int y0, int y1, float penWidth)
    {
        // The component's box with one pixel round it, for the faint edge pixels it owns.
        int bx0 = Math.Max(0, x0 - 1), by0 = Math.Max(0, y0 - 1);
        int bw = Math.Min(_width - 1, x1 + 1) - bx0 + 1, bh = Math.Min(_height - 1, y1 + 1) - by0 + 1;
        var ink = new bool[bw * bh];
        var owned = new bool[bw * bh];
        for (int j = 0; j < bh; j++)
            for (int i = 0; i < bw; i++)
            {
                int p = (by0 + j) * _width + bx0 + i;
                owned[j * bw + i] = _owner[p] == id;
                ink[j * bw + i] = owned[j * bw + i] && _u[p] >= MnistFrame.BoxThreshold;
            }
        int factor = Math.Max(1, (int)(penWidth / ArcPenPixels));
        int radius = Math.Max(1, (int)MathF.Round(ArcJunctionRadius * penWidth / factor));
        int[] arc = StrokeArcs.Label(ink, owned, bw, bh, radius, factor, out int arcs);
        Slice whole = new(id, y0, null, null, default);
        if (arcs < 2) return [whole];

        // Each arc's centre: the mean column of its ink, weighted by coverage.
        var sum = new double[arcs];
        var mass = new double[arcs];
        for (int j = 0; j < bh; j++)
            for (int i = 0; i < bw; i++)
            {
                int a = arc[j * bw + i];
                if (a < 0 || !ink[j * bw + i]) continue;
                float u = _u[(by0 + j) * _width + bx0 + i];
                sum[a] += u * (bx0 + i);
                mass[a] += u;
            }
        int[] order = [.. Enumerable.Range(0, arcs).Where(a => mass[a] > 0).OrderBy(a => sum[a] / mass[a])];
        if (order.Length < 2) return [whole];
        var rank = new int[arcs];
        Array.Fill(rank, -1);
        for (int k = 0; k < order.Length; k++) rank[order[k]] = k;

        // Cut k puts arcs of rank < k on the left. Per cut: how many pixel pairs (4-neighbours) of ink straddle it, and
        // how tall the ink is on each side.
        var candidates = new List<(int Contact, int K)>();
        float minSide = MinSideHeight * LineHeight;
        for (int k = 1; k < order.Length; k++)
        {
            int contact = 0, lTop = int.MaxValue, lBottom = -1, rTop = int.MaxValue, rBottom = -1;
            for (int j = 0; j < bh; j++)
                for (int i = 0; i < bw; i++)
                {
                    int q = j * bw + i;
                    if (!ink[q] || arc[q] < 0 || rank[arc[q]] < 0) continue;
                    bool left = rank[arc[q]] < k;
                    if (left) { lTop = Math.Min(lTop, j); lBottom = j; } else { rTop = Math.Min(rTop, j); rBottom = j; }
                    if (i + 1 < bw && Side(q + 1) is bool r && r != left) contact++;
                    if (j + 1 < bh && Side(q + bw) is bool d && d != left) contact++;
                }
            if (contact > ArcMaxContact * penWidth) continue;
            if (lBottom < 0 || rBottom < 0 || Math.Min(lBottom - lTop + 1, rBottom - rTop + 1) < minSide) continue;
            candidates.Add((contact, k));

            bool? Side(int q) => ink[q] && arc[q] >= 0 && rank[arc[q]] >= 0 ? rank[arc[q]] < k : null;
        }
        candidates.Sort();
        int maxCuts = Math.Max(1, (int)((x1 - x0 + 1) / (CutEvery * LineHeight)));
        float spacing = CutSpacing * LineHeight;
        double Boundary(int k) => 0.5 * (sum[order[k - 1]] / mass[order[k - 1]] + sum[order[k]] / mass[order[k]]);
        var chosen = new List<int>();
        foreach ((_, int k) in candidates)
        {
            if (chosen.Count >= maxCuts) break;
            if (chosen.All(c => Math.Abs(Boundary(c) - Boundary(k)) >= spacing)) chosen.Add(k);
        }
        if (chosen.Count == 0) return [whole];
        chosen.Sort();

        // Slice s holds the arcs between cuts s − 1 and s; pixels no arc reached stay with the first slice.
        var slices = new List<Slice>();
        for (int s = 0; s <= chosen.Count; s++)
        {
            int from = s == 0 ? 0 : chosen[s - 1], to = s == chosen.Count ? order.Length : chosen[s];
            var inside = new bool[bw * bh];
            for (int q = 0; q < inside.Length; q++)
            {
                if (!owned[q]) continue;
                int r = arc[q] >= 0 ? rank[arc[q]] : -1;
                inside[q] = r < 0 ? s == 0 : r >= from && r < to;
            }
            slices.Add(new Slice(id, y0, null, null, default, new ArcMask(bx0, by0, bw, bh, inside)));
        }
        return slices;
    }

    /// <summary>The heights of a component's ink left and right of a seam.</summary>
    private (float Left, float Right) SideHeights(int id, int x0, int x1, int y0, int[] seam)
    {
        int lTop = int.MaxValue, lBottom = -1, rTop = int.MaxValue, rBottom = -1;
        for (int r = 0; r < seam.Length; r++)
        {
            int o = (y0 + r) * _width, y = y0 + r;
            for (int x = x0; x <= x1; x++)
            {
                if (_owner[o + x] != id || _u[o + x] < MnistFrame.BoxThreshold) continue;
                if (x < seam[r]) { lTop = Math.Min(lTop, y); lBottom = y; }
                else { rTop = Math.Min(rTop, y); rBottom = y; }
            }
        }
        return (lBottom < 0 ? 0 : lBottom - lTop + 1, rBottom < 0 ? 0 : rBottom - rTop + 1);
    }

    /// <summary>The blank pixels of a component's box that are enclosed by its ink (a 0's, 6's, 8's or 9's loop): a seam
    /// through one would cut a loop open, not pass between two digits.</summary>
    private bool[] Holes(int id, int x0, int x1, int y0, int y1)
    {
        int w = x1 - x0 + 1, h = y1 - y0 + 1;
        var outside = new bool[w * h];
        var stack = new Stack<int>();
        bool Ink(int i) { int p = (y0 + i / w) * _width + x0 + i % w; return _owner[p] == id && _u[p] >= MnistFrame.BoxThreshold; }
        void Seed(int i) { if (!outside[i] && !Ink(i)) { outside[i] = true; stack.Push(i); } }
        for (int x = 0; x < w; x++) { Seed(x); Seed((h - 1) * w + x); }
        for (int y = 0; y < h; y++) { Seed(y * w); Seed(y * w + w - 1); }
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            int x = i % w, y = i / w;
            // 4-neighbours: the ink is 8-connected, so blank space cannot leak through a diagonal step of a stroke.
            if (x > 0) Seed(i - 1);
            if (x + 1 < w) Seed(i + 1);
            if (y > 0) Seed(i - w);
            if (y + 1 < h) Seed(i + w);
        }
        var hole = new bool[w * h];
        for (int i = 0; i < hole.Length; i++) hole[i] = !outside[i] && !Ink(i);
        return hole;
    }

    /// <summary>The ink box of a slice; null when it holds no ink pixel.</summary>
    private Piece? SliceBox(Slice slice, int x0, int x1, int y1)
    {
        int bx0 = int.MaxValue, by0 = int.MaxValue, bx1 = -1, by1 = -1;
        for (int y = slice.Top; y <= y1; y++)
        {
            int o = y * _width;
            for (int x = x0; x <= x1; x++)
            {
                if (_owner[o + x] != slice.Component || _u[o + x] < MnistFrame.BoxThreshold || !slice.Contains(x, y)) continue;
                if (x < bx0) bx0 = x;
                if (x > bx1) bx1 = x;
                if (y < by0) by0 = y;
                if (y > by1) by1 = y;
            }
        }
        return bx1 < 0 ? null : new Piece(bx0, by0, bx1 + 1, by1 + 1, false, slice.Component);
    }
}
