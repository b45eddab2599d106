using System.Runtime.CompilerServices;

namespace Mnist.Engine.Data;

/// <summary>
/// A small counter-based random stream: SplitMix64 whose starting state is a hash of a seed and up to
/// three stream ids. Any stream — e.g. "augmentation of sample i in epoch e" — is created directly from
/// its ids, so what it yields never depends on which thread asks or in which order.
/// </summary>
/// <remarks>
/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014)
/// adds the golden-ratio increment to a 64-bit counter and hashes it with a bijective mixer (here the
/// variant with constants from David Stafford's "Mix13"). Keying hashes each id into the state with the
/// same mixer. Not cryptographic; statistically fine for shuffling and augmentation.
/// </remarks>
public struct StreamRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private ulong _state;

    /// <summary>Creates the stream keyed by <paramref name="seed"/> and the ids <paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/>.</summary>
    public StreamRandom(ulong seed, ulong a = 0, ulong b = 0, ulong c = 0)
    {
        ulong s = Mix(seed + Golden);
        s = Mix(s ^ (a + 0xD1B54A32D192ED03));
        s = Mix(s ^ (b + 0xAEF17502108EF2D9));
        _state = Mix(s ^ (c + 0x8A5CD789635D2DFF));
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong n = (ulong)maxExclusive;
        ulong product = (NextUInt64() >> 32) * n;
        if ((uint)product < n)
        {
            ulong threshold = (0x1_0000_0000UL - n) % n;
            while ((uint)product < threshold) product = (NextUInt64() >> 32) * n;
        }
        return (int)(product >> 32);
    }

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public float Uniform(float low, float high) => low + (high - low) * NextSingle();

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates, last element first).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
