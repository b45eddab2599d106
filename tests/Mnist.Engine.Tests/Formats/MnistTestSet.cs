using System.Buffers.Binary;

namespace Mnist.Engine.Tests.Formats;

/// <summary>
/// The MNIST test split (t10k) for model-file checks: images as [N,1,28,28] floats in [0,1] (pixel/255, white on
/// black, as the DESIGN's input contract) and labels. Read from <c>$MNIST_DATA</c>, else the shared dataset
/// directory beside the repository (<c>../shared/datasets/mnist</c>). Uncompressed IDX files only.
/// </summary>
internal sealed class MnistTestSet
{
    public const int Pixels = 28 * 28;

    private MnistTestSet(float[] images, byte[] labels)
    {
        Images = images;
        Labels = labels;
    }

    /// <summary>All images, [Count,1,28,28] row-major, values in [0,1].</summary>
    public float[] Images { get; }

    /// <summary>Labels 0–9.</summary>
    public byte[] Labels { get; }

    public int Count => Labels.Length;

    /// <summary>Image <paramref name="i"/>'s 784 pixels.</summary>
    public ReadOnlySpan<float> Image(int i) => Images.AsSpan(i * Pixels, Pixels);

    /// <summary>The first <paramref name="count"/> images as one array.</summary>
    public float[] First(int count) => Images.AsSpan(0, count * Pixels).ToArray();

    private static readonly Lazy<(MnistTestSet? Set, string? Reason)> s_cached = new(Read);

    /// <summary>The test set, or null with a reason when the files are not found.</summary>
    public static MnistTestSet? TryLoad(out string? reason)
    {
        var (set, why) = s_cached.Value;
        reason = why;
        return set;
    }

    /// <summary>True when tests must fail instead of skipping on a missing judge or dataset (the CI variable is set).</summary>
    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The directory the files are read from.</summary>
    public static string DataDirectory()
    {
        string? env = Environment.GetEnvironmentVariable("MNIST_DATA");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mnist.slnx")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "mnist"));
        }

        return Path.GetFullPath("../shared/datasets/mnist");
    }

    /// <summary>The repository root (the directory holding Mnist.slnx), or null.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mnist.slnx"))) return dir.FullName;
        }

        return null;
    }

    private static (MnistTestSet?, string?) Read()
    {
        string dir = DataDirectory();
        string images = Path.Combine(dir, "t10k-images-idx3-ubyte"), labels = Path.Combine(dir, "t10k-labels-idx1-ubyte");
        if (!File.Exists(images) || !File.Exists(labels))
            return (null, $"MNIST test files not found in {dir} (set MNIST_DATA to the directory holding t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte)");
        byte[] img = File.ReadAllBytes(images), lab = File.ReadAllBytes(labels);
        if (BinaryPrimitives.ReadInt32BigEndian(img) != 0x803 || BinaryPrimitives.ReadInt32BigEndian(lab) != 0x801)
            throw new InvalidDataException($"Not IDX files: {images}, {labels}");
        int n = BinaryPrimitives.ReadInt32BigEndian(img.AsSpan(4));
        if (n != BinaryPrimitives.ReadInt32BigEndian(lab.AsSpan(4)) || img.Length != 16 + n * Pixels || lab.Length != 8 + n)
            throw new InvalidDataException("MNIST test images and labels do not match.");
        var data = new float[n * Pixels];
        for (int i = 0; i < data.Length; i++) data[i] = img[16 + i] / 255f;
        return (new MnistTestSet(data, lab[8..]), null);
    }
}
