using System.Buffers.Binary;

namespace Mnist.Engine.Tests.Formats;

/// <summary>
/// The MNIST test split (t10k) for model-file checks: images as [N,1,28,28] floats in [0,1] (pixel/255, white on
/// black, as the DESIGN's input contract) and labels, from the folder <see cref="global::Mnist.Testing.TestEnvironment.MnistFolder"/> finds.
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

    private static readonly Lazy<MnistTestSet> s_cached = new(Read, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The test set; when MNIST cannot be found or fetched the test stops as a visible skip naming
    /// <c>mnist data</c> (outside CI) or a failure (in CI), through <see cref="global::Mnist.Testing.TestEnvironment"/>.</summary>
    public static MnistTestSet Load()
    {
        global::Mnist.Testing.TestEnvironment.MnistFolder();
        return s_cached.Value;
    }

    /// <summary>The repository root (the directory holding Mnist.slnx).</summary>
    public static string RepositoryRoot() => global::Mnist.Testing.TestEnvironment.RepositoryRoot;

    private static MnistTestSet Read()
    {
        byte[] img = global::Mnist.Testing.TestEnvironment.ReadMnistFile("t10k-images-idx3-ubyte");
        byte[] lab = global::Mnist.Testing.TestEnvironment.ReadMnistFile("t10k-labels-idx1-ubyte");
        if (BinaryPrimitives.ReadInt32BigEndian(img) != 0x803 || BinaryPrimitives.ReadInt32BigEndian(lab) != 0x801)
            throw new InvalidDataException("The MNIST test files are not IDX files.");
        int n = BinaryPrimitives.ReadInt32BigEndian(img.AsSpan(4));
        if (n != BinaryPrimitives.ReadInt32BigEndian(lab.AsSpan(4)) || img.Length != 16 + n * Pixels || lab.Length != 8 + n)
            throw new InvalidDataException("MNIST test images and labels do not match.");
        var data = new float[n * Pixels];
        for (int i = 0; i < data.Length; i++) data[i] = img[16 + i] / 255f;
        return new MnistTestSet(data, lab[8..]);
    }
}
