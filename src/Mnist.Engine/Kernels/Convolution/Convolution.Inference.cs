using System.Runtime.InteropServices;

namespace Mnist.Engine.Kernels;

// Inference runs one layer many times with the same weights, so the forms the kernels read (Winograd-transformed
// filters, packed GEMM panels) are made once and kept, where training re-makes them on every call.
public static partial class Convolution
{
    /// <summary>
    /// As <see cref="Forward{T}"/> for float without a column cache (nothing for a backward pass to reuse), reading
    /// the weights' prepared forms from <paramref name="prepared"/>, which re-prepares them whenever
    /// <paramref name="w"/> holds other values than the last time.
    /// </summary>
    internal static void ForwardInference(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias,
        Memory<float> y, bool relu, PreparedConvolutionWeights prepared, ConvolutionOptions? options = null)
    {
        Check(g, x.Length, w.Length, y.Length);
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"Bias has {bias.Length} elements, expected {g.OutChannels}.");
        if (IsSingleChannel3x3(g))
        {
            ForwardSingleChannel(g, x.Span, w.Span, bias.Span, y.Span, relu);
            return;
        }
        if (UsesWinograd<float>(g, options))
        {
            Winograd.Forward(g, x.Span, prepared.Winograd(w.Span, g), bias.Span, y.Span, relu);
            return;
        }
        if (UsesPackedPath<float>())
        {
            ForwardPacked(g, x, w, bias, y, default, relu, prepared.PackedA(w.Span, g));
            return;
        }
        Forward<float>(g, x, w, bias, y, default, relu, options);
    }
}

/// <summary>
/// The prepared forms of one convolution's weights for <see cref="Convolution.ForwardInference"/>, kept beside a
/// copy of the weights they were made from.
/// </summary>
/// <remarks>
/// Optimizers, checkpoint loads and tests all write weights in place, and no one of them is told to invalidate a
/// cache; so every call compares the weights with the copy, bit for bit. That reads the weights once (36,864 floats
/// for the seed network's 64→64 layer, a few µs), far less than the transform it saves.
/// </remarks>
internal sealed class PreparedConvolutionWeights
{
    private float[] _source = [];
    private Winograd.PreparedFilters? _winograd;
    private float[]? _packedA;

    /// <summary>Times the prepared forms were (re)made; tests read it.</summary>
    public int Preparations { get; private set; }

    public Winograd.PreparedFilters Winograd(ReadOnlySpan<float> w, Conv2dGeometry g)
    {
        Validate(w);
        if (_winograd is null || _winograd.OutChannels != g.OutChannels || _winograd.InChannels != g.InChannels)
        {
            _winograd = Kernels.Winograd.PrepareFilters(w, g.OutChannels, g.InChannels);
            Preparations++;
        }
        return _winograd;
    }

    public float[] PackedA(ReadOnlySpan<float> w, Conv2dGeometry g)
    {
        Validate(w);
        int length = GemmFloat.PackedALength(g.OutChannels, g.PatchSize);
        if (_packedA is null || _packedA.Length != length)
        {
            _packedA = new float[length];
            GemmFloat.PackAFull(w, g.PatchSize, false, g.OutChannels, g.PatchSize, _packedA);
            Preparations++;
        }
        return _packedA;
    }

    private void Validate(ReadOnlySpan<float> w)
    {
        // Bitwise, so that even a change of a zero's sign or a NaN payload counts.
        if (MemoryMarshal.Cast<float, int>(w).SequenceEqual(MemoryMarshal.Cast<float, int>(_source.AsSpan()))) return;
        if (_source.Length != w.Length) _source = new float[w.Length];
        w.CopyTo(_source);
        _winograd = null;
        _packedA = null;
    }
}
