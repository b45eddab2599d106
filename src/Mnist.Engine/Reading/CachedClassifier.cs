namespace Mnist.Engine.Reading;

/// <summary>
/// A model call that remembers what it answered for each framed image, so that an image searched twice (cut through
/// pixels, then between stroke arcs) classifies the candidates both searches share — every run of uncut components —
/// only once.
/// </summary>
internal sealed class CachedClassifier
{
    private const int Classes = 10;
    private const int Pixels = Preprocessing.DigitPreprocessor.PixelCount;

    private readonly DigitBatchClassifier _model;
    private readonly Dictionary<Frame, float[]> _answers = new();

    public CachedClassifier(DigitBatchClassifier model) => _model = model;

    /// <summary>Model calls made so far, and images sent to it (for tests).</summary>
    public int Calls { get; private set; }

    /// <inheritdoc cref="Images"/>
    public int Images { get; private set; }

    /// <summary>The <see cref="DigitBatchClassifier"/> to hand to the search.</summary>
    public void Classify(ReadOnlySpan<float> pixels, int count, Span<float> probabilities)
    {
        var missing = new List<int>();
        var pending = new HashSet<Frame>();
        var frames = new Frame[count];
        for (int i = 0; i < count; i++)
        {
            frames[i] = new Frame(pixels.Slice(i * Pixels, Pixels).ToArray());
            if (!_answers.ContainsKey(frames[i]) && pending.Add(frames[i])) missing.Add(i);
        }
        if (missing.Count > 0)
        {
            var x = new float[missing.Count * Pixels];
            for (int k = 0; k < missing.Count; k++) frames[missing[k]].Pixels.CopyTo(x, k * Pixels);
            var p = new float[missing.Count * Classes];
            _model(x, missing.Count, p);
            Calls++;
            Images += missing.Count;
            for (int k = 0; k < missing.Count; k++) _answers[frames[missing[k]]] = p.AsSpan(k * Classes, Classes).ToArray();
        }
        for (int i = 0; i < count; i++) _answers[frames[i]].CopyTo(probabilities.Slice(i * Classes, Classes));
    }

    /// <summary>A framed image compared by its pixel values.</summary>
    private readonly struct Frame(float[] pixels) : IEquatable<Frame>
    {
        private readonly int _hash = Hash(pixels);

        public float[] Pixels { get; } = pixels;

        public bool Equals(Frame other) => _hash == other._hash && Pixels.AsSpan().SequenceEqual(other.Pixels);

        public override bool Equals(object? obj) => obj is Frame f && Equals(f);

        public override int GetHashCode() => _hash;

        private static int Hash(float[] pixels)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
