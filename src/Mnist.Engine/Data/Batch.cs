namespace Mnist.Engine.Data;

/// <summary>
/// One batch from a <see cref="BatchLoader"/>. The loader owns and reuses it: it is valid until the next
/// <c>MoveNext</c> of the enumeration that produced it (or its disposal). Copy what must outlive that.
/// </summary>
public sealed class Batch
{
    internal Batch(int capacity, int pixelsPerImage)
    {
        Images = new float[capacity * pixelsPerImage];
        Labels = new int[capacity];
        Indices = new int[capacity];
        PixelsPerImage = pixelsPerImage;
    }

    /// <summary>
    /// Pixels as [Capacity,1,28,28] floats in [0,1]; the first <see cref="Count"/> images are valid
    /// (see <see cref="ImageSpan"/>).
    /// </summary>
    public float[] Images { get; }

    /// <summary>The label of a sample that is none of the classes (<see cref="MnistDataset.NotADigit"/> in the dataset).</summary>
    public const int NotADigit = -1;

    /// <summary>Labels 0..9, or <see cref="NotADigit"/>; the first <see cref="Count"/> are valid.</summary>
    public int[] Labels { get; }

    /// <summary>Dataset index of each sample; the first <see cref="Count"/> are valid.</summary>
    public int[] Indices { get; }

    /// <summary>Samples in this batch (the batch size, or fewer for a last partial batch).</summary>
    public int Count { get; internal set; }

    /// <summary>Position of this batch within its epoch, from 0.</summary>
    public int Number { get; internal set; }

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Floats per image (Rows*Cols).</summary>
    public int PixelsPerImage { get; }

    /// <summary>The valid pixels: [Count,1,28,28].</summary>
    public Span<float> ImageSpan => Images.AsSpan(0, Count * PixelsPerImage);

    /// <summary>The valid labels.</summary>
    public Span<int> LabelSpan => Labels.AsSpan(0, Count);
}
