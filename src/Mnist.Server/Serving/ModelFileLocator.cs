namespace Mnist.Server.Serving;

/// <summary>Resolves the configured model path: absolute paths as they are, relative ones searched upwards.</summary>
public static class ModelFileLocator
{
    /// <summary>
    /// Returns <paramref name="configured"/> when it is absolute or exists relative to the current directory; else
    /// the first root of <paramref name="searchRoots"/> (content root, current directory, app directory) that holds
    /// it directly, so a published server started from any folder runs the model published beside it; else the
    /// first existing file found by walking up from each root (<c>dotnet run</c> in the source tree); else the path
    /// under the repository root above them (where the shipped model will appear); else the path under the first root.
    /// </summary>
    public static string Resolve(string configured, params string?[] searchRoots)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configured);
        if (Path.IsPathRooted(configured) || File.Exists(configured)) return Path.GetFullPath(configured);
        foreach (string? root in searchRoots)
        {
            if (string.IsNullOrEmpty(root)) continue;
            string direct = Path.Combine(root, configured);
            if (File.Exists(direct)) return Path.GetFullPath(direct);
        }
        foreach (string? root in searchRoots)
        {
            if (string.IsNullOrEmpty(root)) continue;
            for (DirectoryInfo? dir = new(root); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, configured);
                if (File.Exists(candidate)) return candidate;
            }
        }
        // Not there yet (e.g. the shipped model is still being trained): watch where it will appear, under the
        // repository root when there is one above the roots.
        foreach (string? root in searchRoots)
        {
            if (string.IsNullOrEmpty(root)) continue;
            for (DirectoryInfo? dir = new(root); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Mnist.slnx"))) return Path.Combine(dir.FullName, configured);
            }
        }
        return Path.GetFullPath(configured, searchRoots.FirstOrDefault(r => !string.IsNullOrEmpty(r)) ?? Directory.GetCurrentDirectory());
    }
}
