namespace Mnist.Engine.Data;

/// <summary>The content of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Cols"/> bytes.</summary>
/// <param name="Pixels">Count*Rows*Cols bytes, image after image, each row-major; 0 = background.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Image height.</param>
/// <param name="Cols">Image width.</param>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Cols);
