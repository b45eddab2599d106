namespace Mnist.Engine.Data;

/// <summary>Where a dataset's folder came from, in the order <see cref="DataLocator"/> tries them.</summary>
public enum DataLocationSource
{
    /// <summary>The <c>--data DIR</c> option.</summary>
    Option,

    /// <summary>The dataset's environment variable (<c>$MNIST_DATA</c> for MNIST).</summary>
    Environment,

    /// <summary>A folder a system package installed (Debian's <c>dataset-fashion-mnist</c>).</summary>
    SystemPackage,

    /// <summary>The per-user cache, filled by download.</summary>
    UserCache,
}

/// <summary>A resolved data folder.</summary>
/// <param name="Folder">Absolute path; it may not exist yet (user cache before the first download).</param>
/// <param name="Source">Which rule chose it.</param>
/// <param name="Dataset">The dataset it is for.</param>
public sealed record DataLocation(string Folder, DataLocationSource Source, DatasetInfo Dataset)
{
    /// <summary>Describes the source for messages, e.g. "--data" or "$MNIST_DATA".</summary>
    public string Describe() => Source switch
    {
        DataLocationSource.Option => "--data",
        DataLocationSource.Environment => "$" + Dataset.EnvironmentVariable,
        DataLocationSource.SystemPackage => "system package",
        _ => "per-user cache",
    };
}
