using Microsoft.AspNetCore.Hosting.StaticWebAssets;

namespace Mnist.Server.Hosting;

/// <summary>
/// The web app's files as ASP.NET Core static web assets (<c>MapStaticAssets</c>): compressed at build time (brotli and
/// gzip, chosen by the request's Accept-Encoding), each with an ETag, and also at a fingerprinted URL
/// (<c>js/app.{hash}.js</c>) served with <c>Cache-Control: max-age=31536000, immutable</c>.
/// </summary>
/// <remarks>
/// The SDK writes two manifests beside the server's assembly: <c>Mnist.Server.staticwebassets.endpoints.json</c> (every
/// URL with its headers) and, for a build (not a publish), <c>Mnist.Server.staticwebassets.runtime.json</c> (where the
/// files are: the source <c>wwwroot</c> and the compressed copies under <c>obj/</c>). The manifests are named after the
/// server's assembly, not the host's application name, so hosts other than <c>dotnet run</c> (<c>mnist serve</c>, the
/// tests' in-process server) find them too. Without the manifests (a copy of the assembly alone), the plain static file
/// middleware serves <c>wwwroot</c> uncompressed, as before.
/// </remarks>
internal static class WebAssets
{
    private const string Name = "Mnist.Server.staticwebassets";
    private const string ReloadKey = "ReloadStaticAssetsAtRuntime";

    /// <summary>The endpoints manifest beside the assembly, or null.</summary>
    public static string? EndpointsManifest => Existing(Path.Combine(AppContext.BaseDirectory, Name + ".endpoints.json"));

    /// <summary>A build's runtime manifest beside the assembly, or null (a published server has none: its files are in
    /// its own wwwroot).</summary>
    private static string? RuntimeManifest => Existing(Path.Combine(AppContext.BaseDirectory, Name + ".runtime.json"));

    /// <summary>Adds the build's content roots (source wwwroot, compressed copies) to the web root's file provider.</summary>
    public static void UseBuildManifest(WebApplicationBuilder builder)
    {
        if (RuntimeManifest is not { } manifest) return;
        builder.Configuration[WebHostDefaults.StaticWebAssetsKey] = manifest;
        // With a build's manifest ASP.NET Core reloads changed files at run time by default, and then answers from the
        // source file, compressed on the fly: gzip framing without compression (14,725 bytes for the 14,692 of app.js,
        // labelled br), not the 4,158-byte brotli file the build made. The build's files are served as they are; an
        // edited file is picked up by the next build.
        builder.Configuration[ReloadKey] ??= "false";
        StaticWebAssetsLoader.UseStaticWebAssets(builder.Environment, builder.Configuration);
    }

    private static string? Existing(string path) => File.Exists(path) ? path : null;
}
