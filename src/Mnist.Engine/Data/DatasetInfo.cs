namespace Mnist.Engine.Data;

/// <summary>A catalogued MNIST-style dataset: its four IDX files and where to fetch them.</summary>
/// <param name="Id">Short name used on the command line and in cache paths (<c>mnist</c>, <c>fashion</c>).</param>
/// <param name="DisplayName">Human-readable name.</param>
/// <param name="Files">Train images, train labels, test images, test labels.</param>
/// <param name="Mirrors">Base URLs (ending in '/') tried in order; a file's URL is base + its .gz name.</param>
/// <param name="EnvironmentVariable">Environment variable that names the data folder, if any.</param>
/// <param name="SystemFolder">A folder a system package installs the files into, if any.</param>
/// <param name="ClassNames">Names of the 10 classes.</param>
public sealed record DatasetInfo(
    string Id,
    string DisplayName,
    IReadOnlyList<DatasetFile> Files,
    IReadOnlyList<Uri> Mirrors,
    string? EnvironmentVariable,
    string? SystemFolder,
    IReadOnlyList<string> ClassNames)
{
    /// <summary>The file holding the <paramref name="kind"/> of split <paramref name="split"/>.</summary>
    public DatasetFile File(MnistSplit split, IdxKind kind) =>
        Files.First(f => f.Split == split && f.Kind == kind);
}
