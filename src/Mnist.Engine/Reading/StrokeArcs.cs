namespace Mnist.Engine.Reading;

/// <summary>
/// Splits one connected piece of ink into the arcs of its strokes: the skeleton of the ink (Zhang–Suen thinning),
/// broken where strokes cross or branch, and every pixel of the piece given to the nearest arc along the ink. Where
/// two digits overlap, their strokes cross; the arcs between crossings each belong to one digit, so a digit can be
/// rebuilt from arcs where no cut through the pixels separates it from its neighbour.
/// </summary>
internal static class StrokeArcs
{
    /// <summary>Labels the arcs of a piece of ink.</summary>
    /// <param name="ink">Pixels that are ink (the skeleton is thinned from them), row-major, <paramref name="width"/>
    /// per row.</param>
    /// <param name="owned">Pixels to label (the ink and its faint edge); must include <paramref name="ink"/>.</param>
    /// <param name="width">Width of the buffers.</param>
    /// <param name="height">Height of the buffers.</param>
    /// <param name="junctionRadius">Skeleton pixels within this many pixels (Chebyshev) of a junction are removed, so
    /// the strokes that meet there fall apart into separate arcs.</param>
    /// <param name="arcs">Number of arcs.</param>
    /// <returns>Per pixel, the arc (0-based) it belongs to; −1 outside <paramref name="owned"/> or when no arc reaches
    /// it through owned pixels.</returns>
    public static int[] Label(bool[] ink, bool[] owned, int width, int height, int junctionRadius, out int arcs)
    {
        bool[] skeleton = Thin(ink, width, height);

        // Junctions: skeleton pixels where three or more branches meet (three or more changes from background to
        // skeleton around the pixel). Crossing strokes thin to one or two junctions close together.
        var cut = (bool[])skeleton.Clone();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (!skeleton[y * width + x] || Transitions(skeleton, width, height, x, y) < 3) continue;
                for (int dy = -junctionRadius; dy <= junctionRadius; dy++)
                    for (int dx = -junctionRadius; dx <= junctionRadius; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if ((uint)xx < (uint)width && (uint)yy < (uint)height) cut[yy * width + xx] = false;
                    }
            }
        }

        // Arcs: 8-connected runs of what is left of the skeleton; then every owned pixel joins the arc that reaches it
        // first, growing all arcs one pixel per step through the ink.
        var label = new int[width * height];
        Array.Fill(label, -1);
        var queue = new Queue<int>();
        arcs = 0;
        var stack = new Stack<int>();
        for (int start = 0; start < label.Length; start++)
        {
            if (!cut[start] || label[start] >= 0) continue;
            label[start] = arcs;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                queue.Enqueue(i);
                foreach (int j in Neighbours(i, width, height))
                {
                    if (!cut[j] || label[j] >= 0) continue;
                    label[j] = arcs;
                    stack.Push(j);
                }
            }
            arcs++;
        }
        while (queue.Count > 0)
        {
            int i = queue.Dequeue();
            foreach (int j in Neighbours(i, width, height))
            {
                if (!owned[j] || label[j] >= 0) continue;
                label[j] = label[i];
                queue.Enqueue(j);
            }
        }
        return label;
    }

    /// <summary>
    /// <see cref="Label(bool[], bool[], int, int, int, out int)"/> at 1/<paramref name="factor"/> of the resolution, each
    /// pixel taking the arc of its cell (or of a neighbouring cell when its own holds no ink). Thinning peels one pixel
    /// of the pen's half-width per pass over the whole box, so a thick pen in a large image is thinned where it is a few
    /// pixels wide.
    /// </summary>
    /// <param name="ink">Pixels that are ink.</param>
    /// <param name="owned">Pixels to label; must include <paramref name="ink"/>.</param>
    /// <param name="width">Width of the buffers.</param>
    /// <param name="height">Height of the buffers.</param>
    /// <param name="junctionRadius">As for the full-resolution labelling, in pixels of the reduced resolution.</param>
    /// <param name="factor">Cell size in pixels, ≥ 1 (1: the full-resolution labelling).</param>
    /// <param name="arcs">Number of arcs.</param>
    public static int[] Label(bool[] ink, bool[] owned, int width, int height, int junctionRadius, int factor, out int arcs)
    {
        if (factor <= 1) return Label(ink, owned, width, height, junctionRadius, out arcs);
        int cw = (width + factor - 1) / factor, ch = (height + factor - 1) / factor;
        var inkCount = new int[cw * ch];
        var cellOwned = new bool[cw * ch];
        var cellPixels = new int[cw * ch];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int c = y / factor * cw + x / factor;
                cellPixels[c]++;
                if (ink[y * width + x]) inkCount[c]++;
                cellOwned[c] |= owned[y * width + x];
            }
        // A cell is ink when at least half of it is, so strokes keep their shape and gaps between them stay open.
        var cellInk = new bool[cw * ch];
        for (int c = 0; c < cellInk.Length; c++) cellInk[c] = 2 * inkCount[c] >= cellPixels[c];
        int[] cell = Label(cellInk, cellOwned, cw, ch, junctionRadius, out arcs);
        var label = new int[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                label[i] = -1;
                if (!owned[i]) continue;
                int cx = x / factor, cy = y / factor;
                label[i] = cell[cy * cw + cx];
                for (int k = 0; k < 9 && label[i] < 0; k++)
                {
                    int xx = cx + k % 3 - 1, yy = cy + k / 3 - 1;
                    if ((uint)xx < (uint)cw && (uint)yy < (uint)ch) label[i] = cell[yy * cw + xx];
                }
            }
        return label;
    }

    /// <summary>Zhang–Suen thinning (Zhang and Suen, "A fast parallel algorithm for thinning digital patterns", CACM
    /// 1984): peels boundary pixels in two alternating sub-steps until a one-pixel-wide skeleton remains.</summary>
    internal static bool[] Thin(bool[] ink, int width, int height)
    {
        var s = (bool[])ink.Clone();
        var remove = new List<int>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int pass = 0; pass < 2; pass++)
            {
                remove.Clear();
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        if (!s[y * width + x]) continue;
                        bool p2 = At(s, width, height, x, y - 1), p4 = At(s, width, height, x + 1, y);
                        bool p6 = At(s, width, height, x, y + 1), p8 = At(s, width, height, x - 1, y);
                        int b = Count(s, width, height, x, y);
                        if (b < 2 || b > 6 || Transitions(s, width, height, x, y) != 1) continue;
                        // Pass 0 peels the south-east boundary and north-west corners, pass 1 the north-west boundary
                        // and south-east corners.
                        if (pass == 0 ? (p2 && p4 && p6) || (p4 && p6 && p8) : (p2 && p4 && p8) || (p2 && p6 && p8)) continue;
                        remove.Add(y * width + x);
                    }
                }
                foreach (int i in remove) s[i] = false;
                changed |= remove.Count > 0;
            }
        }
        return s;
    }

    /// <summary>The number of background-to-foreground changes going once round the 8 neighbours of (x, y).</summary>
    private static int Transitions(bool[] s, int width, int height, int x, int y)
    {
        ReadOnlySpan<int> dx = [0, 1, 1, 1, 0, -1, -1, -1];
        ReadOnlySpan<int> dy = [-1, -1, 0, 1, 1, 1, 0, -1];
        int changes = 0;
        for (int k = 0; k < 8; k++)
        {
            bool a = At(s, width, height, x + dx[k], y + dy[k]);
            bool b = At(s, width, height, x + dx[(k + 1) % 8], y + dy[(k + 1) % 8]);
            if (!a && b) changes++;
        }
        return changes;
    }

    private static int Count(bool[] s, int width, int height, int x, int y)
    {
        int n = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                if ((dx != 0 || dy != 0) && At(s, width, height, x + dx, y + dy)) n++;
        return n;
    }

    private static bool At(bool[] s, int width, int height, int x, int y) =>
        (uint)x < (uint)width && (uint)y < (uint)height && s[y * width + x];

    private static IEnumerable<int> Neighbours(int i, int width, int height)
    {
        int x = i % width, y = i / width;
        for (int dy = -1; dy <= 1; dy++)
        {
            int yy = y + dy;
            if ((uint)yy >= (uint)height) continue;
            for (int dx = -1; dx <= 1; dx++)
            {
                int xx = x + dx;
                if ((dx != 0 || dy != 0) && (uint)xx < (uint)width) yield return yy * width + xx;
            }
        }
    }
}
