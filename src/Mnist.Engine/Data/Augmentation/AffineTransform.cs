namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// One affine warp about the image centre: zoom by <paramref name="Scale"/>, shear horizontally by
/// <paramref name="ShearDegrees"/>, rotate by <paramref name="RotationDegrees"/> (counter-clockwise on
/// screen), then shift by (<paramref name="ShiftX"/>, <paramref name="ShiftY"/>) pixels (+x right, +y down).
/// </summary>
public readonly record struct AffineTransform(float RotationDegrees, float Scale, float ShearDegrees, float ShiftX, float ShiftY)
{
    /// <summary>The transform that changes nothing.</summary>
    public static AffineTransform Identity => new(0f, 1f, 0f, 0f, 0f);

    /// <summary>
    /// The inverse 2×2 matrix, mapping an output offset from the centre (after removing the shift) to the
    /// source offset: output pixels are pulled from the source (inverse mapping), so no holes appear.
    /// </summary>
    internal (float A, float B, float C, float D) InverseMatrix()
    {
        // Forward, in screen coordinates (y down): M = Scale * R * Sh with
        // R = [[cos, sin], [-sin, cos]] (counter-clockwise on screen) and Sh = [[1, tan(shear)], [0, 1]].
        double t = RotationDegrees * Math.PI / 180, k = Math.Tan(ShearDegrees * Math.PI / 180);
        double c = Math.Cos(t), s = Math.Sin(t);
        double m00 = Scale * c, m01 = Scale * (c * k + s), m10 = -Scale * s, m11 = Scale * (-s * k + c);
        double det = m00 * m11 - m01 * m10;
        return ((float)(m11 / det), (float)(-m01 / det), (float)(-m10 / det), (float)(m00 / det));
    }
}
