namespace Mnist.Engine.Data;

/// <summary>
/// Decides which folder holds a dataset: the <c>--data</c> option, else the dataset's environment
/// variable (<c>$MNIST_DATA</c> for MNIST, <c>$FASHION_MNIST_DATA</c> for Fashion-MNIST), else the
/// system package folder when it exists (<c>/usr/share/datasets/fashion-mnist</c>), else the per-user
/// cache <c>($XDG_CACHE_HOME or ~/.cache)/mnist-cs/&lt;dataset&gt;</c>.
/// </summary>
public static class DataLocator
{
    /// <summary>The folder under the cache root that holds this project's data.</summary>
    public const string CacheFolderName = "mnist-cs";

    /// <summary>Resolves the data folder for <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="dataOption">The <c>--data</c> value, or null.</param>
    /// <param name="environment">Reads an environment variable (default: the process environment); for tests.</param>
    /// <param name="directoryExists">Tells whether a folder exists (default: <see cref="Directory.Exists"/>); for tests.</param>
    public static DataLocation Resolve(
        DatasetInfo dataset,
        string? dataOption = null,
        Func<string, string?>? environment = null,
        Func<string, bool>? directoryExists = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        environment ??= Environment.GetEnvironmentVariable;
        directoryExists ??= Directory.Exists;
        if (!string.IsNullOrWhiteSpace(dataOption))
            return new(Path.GetFullPath(dataOption), DataLocationSource.Option, dataset);
        if (dataset.EnvironmentVariable is { } name && environment(name) is { Length: > 0 } fromEnv)
            return new(Path.GetFullPath(fromEnv), DataLocationSource.Environment, dataset);
        if (dataset.SystemFolder is { } system && directoryExists(system))
            return new(system, DataLocationSource.SystemPackage, dataset);
        return new(UserCacheFolder(dataset, environment), DataLocationSource.UserCache, dataset);
    }

    /// <summary>The per-user cache folder for <paramref name="dataset"/>: <c>($XDG_CACHE_HOME or ~/.cache)/mnist-cs/&lt;id&gt;</c>.</summary>
    public static string UserCacheFolder(DatasetInfo dataset, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        environment ??= Environment.GetEnvironmentVariable;
        string? root = environment("XDG_CACHE_HOME");
        if (string.IsNullOrWhiteSpace(root) || !Path.IsPathRooted(root))
        {
            root = OperatingSystem.IsWindows()
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }
        return Path.Combine(root, CacheFolderName, dataset.Id);
    }
}
