using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Mnist.Server.Hosting;

/// <summary>
/// The web app's two entry files, <c>index.html</c> and <c>service-worker.js</c>, served with the page's code (every
/// file under <c>js/</c> and <c>css/</c>) named by its fingerprinted URL (<c>js/app.{hash}.js</c>, cached by browsers as
/// immutable), so a visit revalidates the page alone and never runs a mix of old and new modules.
/// </summary>
/// <remarks>
/// <para>The URLs come from the static web assets' endpoints manifest (<see cref="WebAssets"/>), whose fingerprinted
/// endpoints carry the plain name as their <c>label</c>. At start-up both files are rewritten once: each quoted plain
/// name of a code file becomes its fingerprinted name, and the page gains an import map from plain to fingerprinted
/// module URLs, so that <c>import './pad.js'</c> inside a module loads the very file the page preloaded. The import map
/// is an inline script: the page's Content-Security-Policy allows it by its SHA-256 and still allows no other.</para>
/// <para>The entry files themselves keep their plain URLs (a bookmark, the service worker's registration) and are
/// revalidated on every visit (<c>no-cache</c> with an ETag, brotli or gzip compressed at start-up). The manifest and
/// the icons keep plain URLs too: an installed app and the operating system know them by URL.</para>
/// </remarks>
internal sealed class AppShell
{
    private static readonly string[] PagePaths = ["/", "/index.html"];
    private const string WorkerPath = "/service-worker.js";

    private readonly Representation[] _page;
    private readonly Representation[] _worker;

    /// <summary>The page's Content-Security-Policy: the server's policy plus the hash of its import map.</summary>
    private readonly string _pageSecurityPolicy;

    private AppShell(Representation[] page, Representation[] worker, string pageSecurityPolicy)
    {
        _page = page;
        _worker = worker;
        _pageSecurityPolicy = pageSecurityPolicy;
    }

    /// <summary>The shell built from <paramref name="endpointsManifest"/> and the web root's two entry files, or null
    /// when either file is missing or the manifest names no fingerprinted code file.</summary>
    public static AppShell? Create(string endpointsManifest, IFileProvider webRoot)
    {
        ArgumentNullException.ThrowIfNull(endpointsManifest);
        ArgumentNullException.ThrowIfNull(webRoot);
        string? page = ReadText(webRoot, "index.html"), worker = ReadText(webRoot, "service-worker.js");
        if (page is null || worker is null) return null;
        SortedDictionary<string, string> map = ReadFingerprints(endpointsManifest);
        if (map.Count == 0) return null;

        string importMap = ImportMap(map);
        string pageText = InsertImportMap(Rewrite(page, map, '"'), importMap);
        string workerText = Rewrite(worker, map, '\'');
        string hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(importMap)));
        return new AppShell(Encode(pageText, "text/html; charset=utf-8"), Encode(workerText, "text/javascript"),
            SecurityHeaders.ContentSecurityPolicyAllowingScripts(hash));
    }

    /// <summary>Answers a GET or HEAD of the page or the service worker; false for any other request.</summary>
    public bool TryServe(HttpContext context, out Task written)
    {
        written = Task.CompletedTask;
        HttpRequest request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)) return false;
        string path = request.Path.Value ?? "";
        Representation[] choices;
        if (PagePaths.Contains(path, StringComparer.Ordinal)) choices = _page;
        else if (string.Equals(path, WorkerPath, StringComparison.Ordinal)) choices = _worker;
        else return false;

        RequestHeaders headers = request.GetTypedHeaders();
        Representation chosen = Choose(choices, headers.AcceptEncoding);
        HttpResponse response = context.Response;
        IHeaderDictionary h = response.Headers;
        h.CacheControl = "no-cache";
        h.ETag = chosen.ETag;
        h.Vary = HeaderNames.AcceptEncoding;
        if (choices == _page) h.ContentSecurityPolicy = _pageSecurityPolicy;
        if (headers.IfNoneMatch.Any(t => t.Tag.Equals(chosen.ETag) || t.Equals(EntityTagHeaderValue.Any)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return true;
        }
        response.ContentType = chosen.ContentType;
        if (chosen.Encoding is not null) h.ContentEncoding = chosen.Encoding;
        response.ContentLength = chosen.Body.Length;
        if (HttpMethods.IsGet(request.Method)) written = response.Body.WriteAsync(chosen.Body, context.RequestAborted).AsTask();
        return true;
    }

    /// <summary>The label → route pairs of the manifest's fingerprinted, uncompressed endpoints under js/ and css/.</summary>
    private static SortedDictionary<string, string> ReadFingerprints(string endpointsManifest)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using FileStream stream = File.OpenRead(endpointsManifest);
        using JsonDocument doc = JsonDocument.Parse(stream);
        foreach (JsonElement endpoint in doc.RootElement.GetProperty("Endpoints").EnumerateArray())
        {
            if (endpoint.GetProperty("Selectors").GetArrayLength() != 0) continue; // a compressed variant of the same URL
            string? label = null, fingerprint = null;
            foreach (JsonElement property in endpoint.GetProperty("EndpointProperties").EnumerateArray())
            {
                string? name = property.GetProperty("Name").GetString();
                if (name == "label") label = property.GetProperty("Value").GetString();
                else if (name == "fingerprint") fingerprint = property.GetProperty("Value").GetString();
            }
            string route = endpoint.GetProperty("Route").GetString()!;
            if (label is null || fingerprint is null || endpoint.GetProperty("AssetFile").GetString() != label) continue;
            bool code = (label.StartsWith("js/", StringComparison.Ordinal) && label.EndsWith(".js", StringComparison.Ordinal))
                        || (label.StartsWith("css/", StringComparison.Ordinal) && label.EndsWith(".css", StringComparison.Ordinal));
            if (code && route.Contains(fingerprint, StringComparison.Ordinal)) map[label] = route;
        }
        return map;
    }

    /// <summary>Every occurrence of a plain name between <paramref name="quote"/>s becomes the fingerprinted name.</summary>
    private static string Rewrite(string text, IReadOnlyDictionary<string, string> map, char quote)
    {
        var result = new StringBuilder(text);
        foreach ((string plain, string fingerprinted) in map)
            result.Replace($"{quote}{plain}{quote}", $"{quote}{fingerprinted}{quote}");
        return result.ToString();
    }

    private static string ImportMap(IReadOnlyDictionary<string, string> map)
    {
        var imports = map.Where(p => p.Key.EndsWith(".js", StringComparison.Ordinal))
            .ToDictionary(p => "./" + p.Key, p => "./" + p.Value);
        return JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, string>> { ["imports"] = imports }, ImportMapJson.Default.DictionaryStringDictionaryStringString);
    }

    /// <summary>The import map goes right after the charset declaration, before any module is fetched.</summary>
    private static string InsertImportMap(string page, string importMap)
    {
        string script = $"\n  <script type=\"importmap\">{importMap}</script>";
        int at = page.IndexOf("<meta charset=\"utf-8\">", StringComparison.OrdinalIgnoreCase);
        if (at >= 0) return page.Insert(at + "<meta charset=\"utf-8\">".Length, script);
        at = page.IndexOf("<head>", StringComparison.OrdinalIgnoreCase);
        return at >= 0 ? page.Insert(at + "<head>".Length, script) : script + page;
    }

    private static string? ReadText(IFileProvider files, string name)
    {
        IFileInfo file = files.GetFileInfo(name);
        if (!file.Exists) return null;
        using var reader = new StreamReader(file.CreateReadStream(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static Representation[] Encode(string text, string contentType)
    {
        byte[] plain = Encoding.UTF8.GetBytes(text);
        return
        [
            Make("br", Compress(plain, s => new BrotliStream(s, CompressionLevel.SmallestSize))),
            Make("gzip", Compress(plain, s => new GZipStream(s, CompressionLevel.SmallestSize))),
            Make(null, plain),
        ];

        Representation Make(string? encoding, byte[] body) =>
            new(encoding, body, contentType, $"\"{Convert.ToBase64String(SHA256.HashData(body))}\"");
    }

    private static byte[] Compress(byte[] data, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (Stream s = compressor(output)) s.Write(data);
        return output.ToArray();
    }

    /// <summary>Brotli if accepted, else gzip, else the plain text (an encoding with q=0 is refused).</summary>
    private static Representation Choose(Representation[] choices, IList<Microsoft.Net.Http.Headers.StringWithQualityHeaderValue> accepted)
    {
        foreach (Representation r in choices)
        {
            if (r.Encoding is null) return r;
            if (accepted.Any(a => string.Equals(a.Value.Value, r.Encoding, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0))
                return r;
        }
        return choices[^1];
    }

    private sealed record Representation(string? Encoding, byte[] Body, string ContentType, string ETag);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class ImportMapJson : System.Text.Json.Serialization.JsonSerializerContext;
