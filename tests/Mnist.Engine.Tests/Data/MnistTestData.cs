using System.IO.Compression;
using Mnist.Engine.Data;

namespace Mnist.Engine.Tests.Data;

/// <summary>Where the real MNIST lives for tests, and helpers to make small datasets and temp folders.</summary>
internal static class MnistTestData
{
    /// <summary>The MNIST folder (<see cref="global::Mnist.Testing.TestEnvironment.MnistFolder"/>): a visible skip naming
    /// <c>mnist data</c> when it cannot be found or fetched, a failure in CI.</summary>
    public static string MnistFolder() => global::Mnist.Testing.TestEnvironment.MnistFolder();

    /// <summary>A small deterministic dataset: image k has a few bright pixels that depend on k; label k % 10.</summary>
    public static (byte[] Images, byte[] Labels) Synthetic(int count, int seed = 1)
    {
        var images = new byte[count * 784];
        var labels = new byte[count];
        var rng = new StreamRandom((ulong)seed);
        for (int k = 0; k < count; k++)
        {
            labels[k] = (byte)(k % 10);
            for (int j = 0; j < 40; j++) images[k * 784 + rng.NextInt(784)] = (byte)(1 + rng.NextInt(255));
        }
        return (images, labels);
    }

    /// <summary>Writes a dataset folder with the catalogue's file names (gzip or raw).</summary>
    public static void WriteDataset(string folder, MnistSplit split, byte[] images, byte[] labels, bool gzip)
    {
        var ds = DatasetCatalog.Mnist;
        string ext = gzip ? ".gz" : "";
        IdxFile.WriteImages(Path.Combine(folder, ds.File(split, IdxKind.Images).Name + ext), images, images.Length / 784, 28, 28);
        IdxFile.WriteLabels(Path.Combine(folder, ds.File(split, IdxKind.Labels).Name + ext), labels);
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mnist-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Names of the files in the folder, sorted.</summary>
    public string[] Files() => [.. Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
