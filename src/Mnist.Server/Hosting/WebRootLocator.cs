namespace Mnist.Server.Hosting;

/// <summary>Finds the web app's folder: <c>wwwroot</c> under the content root (<c>dotnet run</c>), beside the
/// assembly (published server, <c>mnist serve</c>), or the source tree's <c>src/Mnist.Server/wwwroot</c>.</summary>
internal static class WebRootLocator
{
    public static string? Find(string contentRoot)
    {
        string[] direct = [Path.Combine(contentRoot, "wwwroot"), Path.Combine(AppContext.BaseDirectory, "wwwroot")];
        foreach (string d in direct)
        {
            if (Directory.Exists(d)) return d;
        }
        foreach (string start in new[] { contentRoot, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "src", "Mnist.Server", "wwwroot");
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
