using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>
/// An image's ink as connected components (8-neighbours, u ≥ 0.2), with who owns each faint edge pixel, the line height
/// and the pen width: found once per image, then cut into pieces two ways (<see cref="ImagePieces"/>).
/// </summary>
internal sealed class InkComponents
{
    /// <summary>A component with fewer ink pixels than this is noise and takes no part.</summary>
    public const int MinComponentPixels = 3;

    /// <param name="coverage">Ink coverage per pixel (steps A–B of <see cref="DigitPreprocessor"/>); kept, not copied.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public InkComponents(float[] coverage, int width, int height)
    {
        Coverage = coverage;
        Width = width;
        Height = height;
        int[] label = Label(coverage, width, height, out List<(int X0, int Y0, int X1, int Y1, int Count)> components);
        Components = components;
        Owner = Own(coverage, label, width, height);
        int lineTop = int.MaxValue, lineBottom = -1, left = int.MaxValue, right = -1;
        foreach (var c in components)
        {
            if (c.Count < MinComponentPixels) continue;
            lineTop = Math.Min(lineTop, c.Y0); lineBottom = Math.Max(lineBottom, c.Y1);
            left = Math.Min(left, c.X0); right = Math.Max(right, c.X1);
        }
        LineHeight = lineBottom < 0 ? 1f : Math.Max(Math.Max(lineBottom - lineTop + 1, (right - left + 1) / 8f), 1f);
        PenWidth = MedianRun(coverage, width, height);
    }

    /// <summary>Ink coverage per pixel.</summary>
    public float[] Coverage { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Each component's box and pixel count; component id = index + 1.</summary>
    public IReadOnlyList<(int X0, int Y0, int X1, int Y1, int Count)> Components { get; }

    /// <summary>Component id of each pixel with ink; faint edge pixels (0 &lt; u &lt; 0.2) take a labelled neighbour's;
    /// 0 for none.</summary>
    public int[] Owner { get; }

    /// <summary>Height of the line of digits: the ink's height (or an eighth of its width, when longer), > 0.</summary>
    public float LineHeight { get; }

    /// <summary>The pen's width in pixels (at least 1).</summary>
    public float PenWidth { get; }

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
    private static float MedianRun(float[] u, int width, int height)
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
}
