namespace Mnist.Engine.Data;

/// <summary>One file of a catalogued dataset, with the facts needed to fetch and verify it.</summary>
/// <param name="Name">File name without ".gz", e.g. <c>train-images-idx3-ubyte</c>.</param>
/// <param name="Kind">Images or labels.</param>
/// <param name="Split">Train or test.</param>
/// <param name="Count">Number of samples the file holds.</param>
/// <param name="GzBytes">Size of the official .gz file in bytes.</param>
/// <param name="GzSha256">SHA-256 of the official .gz file (lowercase hex): what downloads are checked against.</param>
/// <param name="ContentSha256">
/// SHA-256 of the decompressed IDX bytes. It identifies the data whatever the gzip wrapping, so it also
/// verifies raw files and re-compressed copies (e.g. Debian's package, which drops the embedded file name).
/// </param>
public sealed record DatasetFile(string Name, IdxKind Kind, MnistSplit Split, int Count, long GzBytes, string GzSha256, string ContentSha256)
{
    /// <summary>The name of the compressed file: <see cref="Name"/> + ".gz".</summary>
    public string GzName => Name + ".gz";

    /// <summary>
    /// The path of this file in <paramref name="folder"/>: the raw file when present (fastest to load),
    /// else the .gz file, else null.
    /// </summary>
    public string? FindIn(string folder)
    {
        string raw = Path.Combine(folder, Name);
        if (File.Exists(raw)) return raw;
        string gz = Path.Combine(folder, GzName);
        return File.Exists(gz) ? gz : null;
    }
}
