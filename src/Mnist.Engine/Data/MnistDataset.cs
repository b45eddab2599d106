namespace Mnist.Engine.Data;

/// <summary>
/// One split of an MNIST-style dataset held in memory: <see cref="Count"/> images of
/// <see cref="Rows"/>×<see cref="Cols"/> bytes (0 = background, 255 = ink) and one label 0–9 each.
/// </summary>
public sealed class MnistDataset
{
    /// <summary>Number of classes (labels are 0..9).</summary>
    public const int ClassCount = 10;

    /// <summary>
    /// The label of a training sample that is none of the classes (a letter, a shape, a garment): its target is the
    /// uniform distribution, so the network learns to answer such input with a flat, unconfident output. Only in
    /// training sets built with <c>allowNotADigit</c>; never in a dataset file.
    /// </summary>
    public const byte NotADigit = 255;

    /// <summary>Image height and width of MNIST-style data.</summary>
    public const int ImageSize = 28;

    /// <summary>Creates a dataset over the given arrays (not copied).</summary>
    /// <param name="images">count*rows*cols bytes, image after image, row-major.</param>
    /// <param name="labels">count labels, each 0..9.</param>
    /// <param name="rows">Image height.</param>
    /// <param name="cols">Image width.</param>
    /// <param name="source">Where the data came from, for messages.</param>
    /// <param name="allowNotADigit">Whether labels may also be <see cref="NotADigit"/> (training sets with non-digits mixed in).</param>
    /// <exception cref="DataFormatException">Sizes disagree or a label is out of range.</exception>
    public MnistDataset(byte[] images, byte[] labels, int rows = ImageSize, int cols = ImageSize, string? source = null, bool allowNotADigit = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (images.Length % (rows * cols) != 0)
            throw new DataFormatException(source, $"{images.Length} image bytes are not a whole number of {rows}x{cols} images.");
        int count = images.Length / (rows * cols);
        if (count != labels.Length)
            throw new DataFormatException(source, $"image/label count mismatch: {count} images but {labels.Length} labels.");
        int bad = labels.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)(ClassCount - 1));
        while (allowNotADigit && bad >= 0 && labels[bad] == NotADigit)
        {
            int next = labels.AsSpan(bad + 1).IndexOfAnyExceptInRange((byte)0, (byte)(ClassCount - 1));
            bad = next < 0 ? -1 : bad + 1 + next;
        }
        if (bad >= 0)
            throw new DataFormatException(source, $"label {labels[bad]} at index {bad} is outside 0..{ClassCount - 1}.");
        Images = images;
        Labels = labels;
        Rows = rows;
        Cols = cols;
        Count = count;
        Source = source ?? "(memory)";
    }

    /// <summary>All pixels, <see cref="Count"/>×<see cref="Rows"/>×<see cref="Cols"/> bytes.</summary>
    public byte[] Images { get; }

    /// <summary>One label (0..9) per image.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Image height (28).</summary>
    public int Rows { get; }

    /// <summary>Image width (28).</summary>
    public int Cols { get; }

    /// <summary>Rows*Cols.</summary>
    public int PixelsPerImage => Rows * Cols;

    /// <summary>Where the data was loaded from (the image file), for messages.</summary>
    public string Source { get; }

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Images.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>How many samples each class has (<see cref="NotADigit"/> samples are not counted).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (byte l in Labels)
            if (l < ClassCount) counts[l]++;
        return counts;
    }

    /// <summary>
    /// Loads one split from <paramref name="folder"/>, which holds each file raw or gzip-compressed
    /// (e.g. <c>train-images-idx3-ubyte</c> or <c>train-images-idx3-ubyte.gz</c>; raw is preferred).
    /// </summary>
    /// <param name="folder">The data folder.</param>
    /// <param name="split">Train or test.</param>
    /// <param name="dataset">The file names to use (default: <see cref="DatasetCatalog.Mnist"/>; Fashion-MNIST uses the same names).</param>
    /// <exception cref="DataFormatException">
    /// Missing folder or file (the message lists what was looked for), bad magic, truncated file, wrong
    /// dimensions, image/label count mismatch, label out of range.
    /// </exception>
    public static MnistDataset Load(string folder, MnistSplit split, DatasetInfo? dataset = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        dataset ??= DatasetCatalog.Mnist;
        var imageFile = dataset.File(split, IdxKind.Images);
        var labelFile = dataset.File(split, IdxKind.Labels);
        string imagePath = Locate(folder, dataset, imageFile);
        string labelPath = Locate(folder, dataset, labelFile);
        var images = IdxFile.ReadImages(imagePath, ImageSize, ImageSize);
        byte[] labels = IdxFile.ReadLabels(labelPath);
        if (images.Count != labels.Length)
            throw new DataFormatException(
                $"Image/label count mismatch in {folder}: {Path.GetFileName(imagePath)} holds {images.Count} images " +
                $"but {Path.GetFileName(labelPath)} holds {labels.Length} labels.");
        return new MnistDataset(images.Pixels, labels, images.Rows, images.Cols, imagePath);
    }

    /// <summary>Loads both splits, decompressing them in parallel.</summary>
    /// <exception cref="DataFormatException">As <see cref="Load"/>.</exception>
    public static (MnistDataset Train, MnistDataset Test) LoadTrainTest(string folder, DatasetInfo? dataset = null)
    {
        var train = Task.Run(() => Load(folder, MnistSplit.Train, dataset));
        var test = Task.Run(() => Load(folder, MnistSplit.Test, dataset));
        Task.WhenAll(train, test).GetAwaiter().GetResult();
        return (train.Result, test.Result);
    }

    private static string Locate(string folder, DatasetInfo dataset, DatasetFile file)
    {
        if (!Directory.Exists(folder))
            throw new DataFormatException(folder,
                $"data folder not found. Expected it to hold the {dataset.DisplayName} files " +
                $"{string.Join(", ", dataset.Files.Select(f => f.Name + "[.gz]"))}.");
        return file.FindIn(folder) ?? throw new DataFormatException(folder,
            $"missing {file.Name}: looked for {file.Name} and {file.GzName} in this folder. " +
            $"It should hold {string.Join(", ", dataset.Files.Select(f => f.Name + "[.gz]"))} " +
            $"(run `mnist data --dataset {dataset.Id}` to fetch them).");
    }
}
