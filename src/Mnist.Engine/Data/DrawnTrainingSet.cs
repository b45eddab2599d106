using System.Globalization;
using System.Text.RegularExpressions;
using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data;

/// <summary>
/// Drawn digits mixed into a training set: every epoch, each digit is rendered <see cref="Copies"/> times with fresh
/// stroke-space augmentation (<see cref="StrokeAugmenter"/>) through <see cref="DigitPreprocessor.FromStrokes"/>, and the
/// renderings are stored like MNIST images (bytes, round(255·value)) after the MNIST samples of the training set
/// (<see cref="AppendTo"/>), where the batch loader reads them as pixel/255 like any other image.
/// </summary>
/// <remarks>Determinism: rendering (epoch e, digit i, copy c) depends only on the seed and (e, i·Copies + c), never on
/// thread count. A rendering in which preprocessing finds no digit (rare: a tail dropped from a tiny digit) falls back
/// to the digit rendered without augmentation; digits without ink even then are left out at construction.</remarks>
public sealed class DrawnTrainingSet
{
    private readonly DrawnDigit[] _digits;
    private readonly byte[] _plain;

    /// <summary>Prepares <paramref name="copies"/> renderings per digit of <paramref name="digits"/> per epoch.</summary>
    /// <param name="digits">The drawn digits (already restricted to the training writers).</param>
    /// <param name="writers">The writers the digits were restricted to, as recorded in checkpoints and model cards.</param>
    /// <param name="copies">Renderings per digit per epoch, at least 1.</param>
    /// <param name="augmentationName">Name of the stroke augmentation preset (<see cref="StrokeAugmentationOptions.FromName"/>).</param>
    /// <exception cref="ArgumentException">No digit can be rendered, copies below 1 or an unknown augmentation.</exception>
    public DrawnTrainingSet(DrawnDigitSet digits, WriterSet writers, int copies, string augmentationName)
    {
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentNullException.ThrowIfNull(writers);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        var augmentation = StrokeAugmentationOptions.FromName(augmentationName);
        augmentation.Validate();
        int n = DigitPreprocessor.PixelCount;
        var plain = new byte[digits.Count * n];
        var renderable = new bool[digits.Count];
        Parallel.For(0, digits.Count, i =>
        {
            var r = DigitPreprocessor.FromStrokes(digits.Samples[i].StrokeList);
            if (r.IsEmpty) return;
            renderable[i] = true;
            ToBytes(r.Pixels, plain.AsSpan(i * n, n));
        });
        var kept = new List<DrawnDigit>();
        var keptPlain = new List<byte>();
        for (int i = 0; i < digits.Count; i++)
        {
            if (!renderable[i]) continue;
            kept.Add(digits.Samples[i]);
            keptPlain.AddRange(plain.AsSpan(i * n, n));
        }
        if (kept.Count == 0) throw new ArgumentException($"{digits.Name}: none of the {digits.Count} drawn digits of writers {writers} has ink to render.", nameof(digits));
        _digits = [.. kept];
        _plain = [.. keptPlain];
        Copies = copies;
        Writers = writers;
        AugmentationName = augmentationName.Trim().ToLowerInvariant();
        Augmentation = augmentation;
        File = digits.Name;
        Sha256 = digits.Sha256;
        Skipped = digits.Count - kept.Count;
    }

    /// <summary>Digits rendered each epoch (those with ink).</summary>
    public int Digits => _digits.Length;

    /// <summary>The digits rendered each epoch.</summary>
    public IReadOnlyList<DrawnDigit> Samples => _digits;

    /// <summary>Digits of the input left out because they have no ink.</summary>
    public int Skipped { get; }

    /// <summary>Renderings per digit per epoch.</summary>
    public int Copies { get; }

    /// <summary>Training samples this adds per epoch (<see cref="Digits"/> × <see cref="Copies"/>).</summary>
    public int Count => _digits.Length * Copies;

    /// <summary>The writers the digits were restricted to.</summary>
    public WriterSet Writers { get; }

    /// <summary>The stroke augmentation preset's name.</summary>
    public string AugmentationName { get; }

    /// <summary>The stroke augmentation ranges.</summary>
    public StrokeAugmentationOptions Augmentation { get; }

    /// <summary>The file name (never a path) the digits came from.</summary>
    public string File { get; }

    /// <summary>SHA-256 of that file.</summary>
    public string Sha256 { get; }

    /// <summary>What checkpoints record about it (and compare on resume).</summary>
    public DrawnTrainingState Describe() => new()
    {
        File = File, Sha256 = Sha256, Writers = Writers.ToString(), Digits = Digits, Copies = Copies, Augmentation = AugmentationName,
    };

    /// <summary>
    /// A training set of <paramref name="mnist"/>'s samples followed by <see cref="Count"/> slots for the renderings (labels
    /// set, pixels blank). Call <see cref="Render"/> on it before each epoch.
    /// </summary>
    public MnistDataset AppendTo(MnistDataset mnist)
    {
        ArgumentNullException.ThrowIfNull(mnist);
        if (mnist.Rows != DigitPreprocessor.Size || mnist.Cols != DigitPreprocessor.Size)
            throw new ArgumentException($"Drawn digits are {DigitPreprocessor.Size}×{DigitPreprocessor.Size}; the training set is {mnist.Rows}×{mnist.Cols}.", nameof(mnist));
        var images = new byte[(long)(mnist.Count + Count) * mnist.PixelsPerImage];
        mnist.Images.AsSpan().CopyTo(images);
        var labels = new byte[mnist.Count + Count];
        mnist.Labels.AsSpan().CopyTo(labels);
        for (int i = 0; i < _digits.Length; i++)
            for (int c = 0; c < Copies; c++) labels[mnist.Count + i * Copies + c] = (byte)_digits[i].Label;
        return new MnistDataset(images, labels, mnist.Rows, mnist.Cols, mnist.Source, allowNotADigit: true);
    }

    /// <summary>
    /// Renders epoch <paramref name="epoch"/>'s augmented copies into <paramref name="combined"/> from sample
    /// <paramref name="offset"/> on (the set <see cref="AppendTo"/> built, with offset = the MNIST sample count), with the
    /// stroke augmentation drawn from <paramref name="seed"/>.
    /// </summary>
    public void Render(MnistDataset combined, int offset, int epoch, ulong seed, int threads = 0)
    {
        var augmenter = new StrokeAugmenter(Augmentation, seed);
        ArgumentNullException.ThrowIfNull(combined);
        if (offset < 0 || offset + Count > combined.Count)
            throw new ArgumentException($"The training set holds {combined.Count} samples; {offset} + {Count} drawn renderings do not fit.", nameof(offset));
        int n = DigitPreprocessor.PixelCount;
        byte[] images = combined.Images;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, Count, parallel, () => new float[n], (k, _, buffer) =>
        {
            int i = k / Copies;
            var target = images.AsSpan((offset + k) * n, n);
            if (Augmentation.IsIdentity || !augmenter.Render(_digits[i].StrokeList, epoch, k, buffer))
                _plain.AsSpan(i * n, n).CopyTo(target);
            else
                ToBytes(buffer, target);
            return buffer;
        }, _ => { });
    }

    /// <summary>Floats in [0,1] to bytes 0–255 (rounded), as MNIST images are held.</summary>
    public static void ToBytes(ReadOnlySpan<float> pixels, Span<byte> destination)
    {
        if (destination.Length < pixels.Length) throw new ArgumentException("Destination is shorter than the image.", nameof(destination));
        for (int i = 0; i < pixels.Length; i++) destination[i] = (byte)Math.Clamp(MathF.Round(pixels[i] * 255f), 0f, 255f);
    }
}

/// <summary>What a checkpoint records about the drawn digits mixed into a run (<see cref="DrawnTrainingSet"/>).</summary>
public sealed partial record DrawnTrainingState
{
    /// <summary>File name of the drawn digits (never a path).</summary>
    public string File { get; init; } = "";

    /// <summary>SHA-256 of that file.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The writers used, in range form (e.g. <c>1-20</c>).</summary>
    public string Writers { get; init; } = "";

    /// <summary>Digits rendered per epoch.</summary>
    public int Digits { get; init; }

    /// <summary>Renderings per digit per epoch.</summary>
    public int Copies { get; init; }

    /// <summary>Stroke augmentation preset.</summary>
    public string Augmentation { get; init; } = "";

    /// <summary>One line for model cards and reports.</summary>
    public string ToSummary() =>
        $"{File} writers {Writers} ({Digits} digits), {Copies} rendering(s) per digit per epoch with {Augmentation} stroke augmentation, " +
        "rendered by DigitPreprocessor.FromStrokes";

    /// <summary>Starts the drawn-digit entry of a model card's <c>training_data</c> (<see cref="ToCardEntry"/>).</summary>
    public const string CardEntryPrefix = "drawn digits: ";

    /// <summary>
    /// This state as an entry of a model card's <c>training_data</c>: <see cref="CardEntryPrefix"/> + <see cref="ToSummary"/>.
    /// Entries are joined by <c>"; "</c>; <see cref="FromTrainingData"/> reads the file and writers back.
    /// </summary>
    public string ToCardEntry() => CardEntryPrefix + ToSummary();

    // ToCardEntry's shape, at the start of training_data or after an earlier entry's "; "; the file name runs to the
    // first " writers RANGES (N digits), C rendering(s) per digit per epoch", so a name with those words in it still reads.
    [GeneratedRegex(@"(?:^|; )drawn digits: (?<file>.+?) writers (?<writers>[0-9][0-9,\-]*) \((?<digits>[0-9]+) digits\), [0-9]+ rendering\(s\) per digit per epoch",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex CardEntry();

    /// <summary>
    /// The drawn digits a model card's <c>training_data</c> names (written by <see cref="ToCardEntry"/>): file name, writers
    /// trained on and digit count; null when it names none (no drawn digits, or a card from before they were recorded).
    /// </summary>
    /// <exception cref="FormatException">The entry is there but its writers do not parse.</exception>
    public static (string File, WriterSet Writers, int Digits)? FromTrainingData(string? trainingData)
    {
        if (trainingData is null) return null;
        var m = CardEntry().Match(trainingData);
        if (!m.Success) return null;
        if (!int.TryParse(m.Groups["digits"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int digits))
            throw new FormatException($"'{m.Groups["digits"].Value}' digits in training_data is not a count.");
        return (m.Groups["file"].Value, WriterSet.Parse(m.Groups["writers"].Value), digits);
    }
}
