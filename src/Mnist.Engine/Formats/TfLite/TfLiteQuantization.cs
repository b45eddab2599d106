namespace Mnist.Engine.Formats.TfLite;

/// <summary>
/// TFLite <c>QuantizationParameters</c> for int8 tensors: <c>real = scale · (q − zero_point)</c>,
/// per tensor (one scale) or per channel along <paramref name="QuantizedDimension"/>.
/// Table fields: min (0), max (1), scale (2), zero_point (3, int64), quantized_dimension (6).
/// </summary>
public sealed record TfLiteQuantization(float[] Scale, long[] ZeroPoint, int QuantizedDimension = 0)
{
    /// <summary>Per-tensor quantization.</summary>
    public static TfLiteQuantization PerTensor(float scale, long zeroPoint) => new([scale], [zeroPoint]);

    /// <inheritdoc/>
    public bool Equals(TfLiteQuantization? other) =>
        other is not null && Scale.AsSpan().SequenceEqual(other.Scale) && ZeroPoint.AsSpan().SequenceEqual(other.ZeroPoint)
        && QuantizedDimension == other.QuantizedDimension;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Scale.Length, QuantizedDimension);
}
