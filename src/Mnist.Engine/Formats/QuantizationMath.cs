namespace Mnist.Engine.Formats;

/// <summary>
/// Affine quantization parameters of one tensor (or one channel): real value r ≈ (q − <see cref="ZeroPoint"/>) · <see cref="Scale"/>.
/// </summary>
/// <param name="Scale">Real value of one quantization step; positive.</param>
/// <param name="ZeroPoint">The integer that stands for real 0.</param>
public readonly record struct QuantParams(float Scale, int ZeroPoint);

/// <summary>
/// The scalar arithmetic of ONNX linear quantization, as the operators define it:
/// QuantizeLinear q = saturate(round(x / scale) + zero_point) with round-half-to-even, DequantizeLinear
/// x = (q − zero_point) · scale, and QLinearConv's bias quantized with scale x_scale · w_scale and zero point 0.
/// <see cref="Int8Quantizer"/> chooses every scale and rounds every constant with these methods.
/// </summary>
public static class QuantizationMath
{
    /// <summary>Range of uint8 activations.</summary>
    public const int UInt8Min = 0, UInt8Max = 255;

    /// <summary>Range of int8 weights: symmetric (−127…127), so a weight and its negation quantize alike.</summary>
    public const int Int8WeightMax = 127;

    /// <summary>
    /// Asymmetric uint8 parameters covering [<paramref name="min"/>, <paramref name="max"/>] widened to include 0, so that
    /// real 0 (ReLU's floor, a convolution's zero padding) is exactly representable: scale = (max − min)/255,
    /// zero point = round(−min/scale). A range that is only 0 gets scale 1.
    /// </summary>
    /// <exception cref="ArgumentException">A bound is NaN or infinite.</exception>
    public static QuantParams ForUInt8Range(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max)) throw new ArgumentException($"Range [{min}, {max}] is not finite.");
        float lo = Math.Min(min, 0f), hi = Math.Max(max, 0f);
        if (hi == lo) return new QuantParams(1f, 0);
        float scale = (hi - lo) / (UInt8Max - UInt8Min);
        int zeroPoint = (int)Math.Clamp(MathF.Round(UInt8Min - lo / scale), UInt8Min, UInt8Max);
        return new QuantParams(scale, zeroPoint);
    }

    /// <summary>QuantizeLinear of one value into [<paramref name="qmin"/>, <paramref name="qmax"/>] (round half to even, then saturate).</summary>
    public static int Quantize(float x, QuantParams p, int qmin = UInt8Min, int qmax = UInt8Max)
    {
        // Saturate in float before the cast: x / scale may exceed the int range.
        float q = MathF.Round(x / p.Scale, MidpointRounding.ToEven) + p.ZeroPoint;
        return (int)Math.Clamp(q, qmin, qmax);
    }

    /// <summary>DequantizeLinear of one value.</summary>
    public static float Dequantize(int q, QuantParams p) => (q - p.ZeroPoint) * p.Scale;

    /// <summary>
    /// Symmetric int8 scale of one weight channel: max|w| / 127, so the largest weight maps to ±127 (1 for an all-zero channel).
    /// </summary>
    public static float SymmetricScale(ReadOnlySpan<float> weights)
    {
        float maxAbs = 0f;
        foreach (float w in weights) maxAbs = Math.Max(maxAbs, Math.Abs(w));
        return maxAbs > 0f ? maxAbs / Int8WeightMax : 1f;
    }

    /// <summary>Quantizes one weight channel with a symmetric scale (zero point 0) into −127…127.</summary>
    public static void QuantizeWeights(ReadOnlySpan<float> weights, float scale, Span<sbyte> destination)
    {
        if (destination.Length < weights.Length) throw new ArgumentException("The destination is shorter than the weights.", nameof(destination));
        var p = new QuantParams(scale, 0);
        for (int i = 0; i < weights.Length; i++) destination[i] = (sbyte)Quantize(weights[i], p, -Int8WeightMax, Int8WeightMax);
    }

    /// <summary>
    /// Real value of one step of an int32 accumulator Σ (x_q − x_zp)·w_q: x_scale · w_scale, formed in double like
    /// <see cref="QuantizeBias"/>'s divisor so that bias and products share one scale, then stored as float.
    /// </summary>
    public static float AccumulatorScale(float inputScale, float weightScale) => (float)((double)inputScale * weightScale);

    /// <summary>QLinearConv's int32 bias: round(b / (x_scale · w_scale)), zero point 0, saturated to int32.</summary>
    public static int QuantizeBias(float bias, float inputScale, float weightScale)
    {
        double q = Math.Round(bias / ((double)inputScale * weightScale), MidpointRounding.ToEven);
        return (int)Math.Clamp(q, int.MinValue, int.MaxValue);
    }
}
