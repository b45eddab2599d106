namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// Gives a plain one the up-stroke ("flag") with which much of the world starts writing it: a line from the top of the
/// stem down and to the left. MNIST's writers (US Census staff and students) nearly always wrote a bare stem, so a
/// network trained on MNIST alone reads a flagged one as a seven. The flag is drawn with the pen width of the stem and
/// at an angle well below the horizontal, the part that tells it from a seven's bar.
/// </summary>
public static class OneFlag
{
    /// <summary>Pixels at or above this value count as ink.</summary>
    public const float InkThreshold = 0.4f;

    /// <summary>Least ratio of the ink's long to short principal axis for the digit to count as a bare stem.</summary>
    public const float MinimumElongation = 4f;

    /// <summary>
    /// Adds a flag to the stem in <paramref name="image"/> (<paramref name="rows"/>×<paramref name="cols"/>, values in
    /// [0,1]) at <paramref name="angleDegrees"/> below the horizontal, pointing left, <paramref name="relativeLength"/>
    /// times the stem's length long. Returns false and leaves the image as it is when the ink is not a single,
    /// elongated stroke (already flagged, or not a one).
    /// </summary>
    public static bool TryAdd(Span<float> image, int rows, int cols, float angleDegrees, float relativeLength)
    {
        int n = rows * cols;
        if (image.Length != n) throw new ArgumentException($"Image must have {n} floats.", nameof(image));
        if (!(angleDegrees is > 0 and < 90)) throw new ArgumentOutOfRangeException(nameof(angleDegrees));
        if (!(relativeLength is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(relativeLength));

        double mass = 0, sx = 0, sy = 0, peak = 0;
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                float v = image[y * cols + x];
                if (v < InkThreshold) continue;
                mass += v;
                sx += v * x;
                sy += v * y;
                peak = Math.Max(peak, v);
            }
        }
        if (mass == 0) return false;
        double mx = sx / mass, my = sy / mass, cxx = 0, cyy = 0, cxy = 0;
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                float v = image[y * cols + x];
                if (v < InkThreshold) continue;
                double dx = x - mx, dy = y - my;
                cxx += v * dx * dx;
                cyy += v * dy * dy;
                cxy += v * dx * dy;
            }
        }
        // Principal axes of the 2×2 covariance.
        double half = (cxx + cyy) / 2, root = Math.Sqrt(((cxx - cyy) / 2) * ((cxx - cyy) / 2) + cxy * cxy);
        double major = half + root, minor = Math.Max(half - root, 1e-9 * mass);
        if (major / minor < MinimumElongation * MinimumElongation) return false;
        double ax = cxy, ay = major - cxx;
        if (Math.Abs(ax) + Math.Abs(ay) < 1e-12) (ax, ay) = (0, 1);
        double norm = Math.Sqrt(ax * ax + ay * ay);
        ax /= norm;
        ay /= norm;
        if (ay > 0) (ax, ay) = (-ax, -ay); // point up the stem
        if (Math.Abs(ay) < 0.7) return false; // a stem lies closer to vertical than 45°

        double top = double.NegativeInfinity, bottom = double.PositiveInfinity;
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                if (image[y * cols + x] < InkThreshold) continue;
                double t = (x - mx) * ax + (y - my) * ay;
                top = Math.Max(top, t);
                bottom = Math.Min(bottom, t);
            }
        }
        double stem = top - bottom;
        if (stem < 4) return false;
        double penRadius = Math.Clamp(mass / peak / stem / 2, 0.7, 2.5);
        // The flag starts where the stroke's centre line ends, half a pen width below the outermost ink.
        double startX = mx + (top - penRadius * 0.5) * ax, startY = my + (top - penRadius * 0.5) * ay;
        double angle = angleDegrees * Math.PI / 180;
        double dirX = -Math.Cos(angle), dirY = Math.Sin(angle);
        double length = relativeLength * stem;
        // Keep the flag inside the frame.
        if (startX + dirX * length < penRadius) length = (startX - penRadius) / -dirX;
        if (startY + dirY * length > rows - 1 - penRadius) length = (rows - 1 - penRadius - startY) / dirY;
        if (length < 1.5) return false;
        double endX = startX + dirX * length, endY = startY + dirY * length;
        DrawSegment(image, rows, cols, startX, startY, endX, endY, penRadius, (float)peak);
        return true;
    }

    // An anti-aliased round-capped segment, merged with the ink by maximum so the joint stays as dark as the stem.
    private static void DrawSegment(Span<float> image, int rows, int cols, double x0, double y0, double x1, double y1, double radius, float ink)
    {
        int left = Math.Max(0, (int)Math.Floor(Math.Min(x0, x1) - radius - 1)), right = Math.Min(cols - 1, (int)Math.Ceiling(Math.Max(x0, x1) + radius + 1));
        int upper = Math.Max(0, (int)Math.Floor(Math.Min(y0, y1) - radius - 1)), lower = Math.Min(rows - 1, (int)Math.Ceiling(Math.Max(y0, y1) + radius + 1));
        double dx = x1 - x0, dy = y1 - y0, lengthSquared = dx * dx + dy * dy;
        for (int y = upper; y <= lower; y++)
        {
            for (int x = left; x <= right; x++)
            {
                double t = lengthSquared > 0 ? Math.Clamp(((x - x0) * dx + (y - y0) * dy) / lengthSquared, 0, 1) : 0;
                double ex = x - (x0 + t * dx), ey = y - (y0 + t * dy);
                double coverage = Math.Clamp(radius + 0.5 - Math.Sqrt(ex * ex + ey * ey), 0, 1);
                ref float pixel = ref image[y * cols + x];
                pixel = Math.Max(pixel, (float)(coverage * ink));
            }
        }
    }
}
