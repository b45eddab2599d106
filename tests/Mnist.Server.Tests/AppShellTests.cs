using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>
/// Issue 19 item 6: the page and the service worker name the page's code by fingerprinted URL, served as immutable; the
/// page itself is revalidated (ETag, compressed) and its import map is the only inline script its policy allows.
/// </summary>
public sealed partial class AppShellTests : IDisposable
{
    private readonly MnistServerFactory _factory = new(TestModels.PrivateFile(TestModels.RandomLenet(19)));
    private readonly HttpClient _client;

    public AppShellTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public async Task The_page_loads_its_code_only_by_fingerprinted_urls_that_are_cached_as_immutable()
    {
        string page = await _client.GetStringAsync("/");
        string worker = await _client.GetStringAsync("/service-worker.js");
        string[] plain = Directory.GetFiles(Path.Combine(WebRoot, "js"), "*.js").Select(f => "js/" + Path.GetFileName(f))
            .Append("css/app.css").ToArray();
        Assert.True(plain.Length >= 9, $"found {plain.Length} code files in the web root");

        foreach (string name in plain)
        {
            // Quoted plain names would be fetched and revalidated beside their fingerprinted copies.
            Assert.DoesNotContain($"\"{name}\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain($"'{name}'", worker, StringComparison.Ordinal);
        }

        string[] linked = LinkedCode().Matches(page).Select(m => m.Groups["url"].Value).Distinct().ToArray();
        Assert.True(linked.Length >= plain.Length, $"the page links {linked.Length} code files: {string.Join(", ", linked)}");
        foreach (string url in linked)
        {
            Assert.Matches(Fingerprinted(), url);
            Assert.Contains($"'{url}'", worker, StringComparison.Ordinal); // precached under the name the page asks for
            using HttpResponseMessage r = await _client.GetAsync("/" + url);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("max-age=31536000, immutable", r.Headers.CacheControl?.ToString());
        }

        // Modules import each other by plain relative names: the import map sends those to the same fingerprinted files.
        using JsonDocument map = JsonDocument.Parse(ImportMap().Match(page).Groups["json"].Value);
        foreach (JsonProperty p in map.RootElement.GetProperty("imports").EnumerateObject())
        {
            Assert.Matches(@"^\./js/[a-z0-9-]+\.js$", p.Name);
            Assert.Contains(p.Value.GetString()![2..], linked);
        }
        Assert.Equal(plain.Count(n => n.EndsWith(".js", StringComparison.Ordinal)), map.RootElement.GetProperty("imports").EnumerateObject().Count());
    }

    [Fact]
    public async Task The_import_map_is_the_one_inline_script_the_pages_policy_allows()
    {
        using HttpResponseMessage r = await _client.GetAsync("/");
        string page = await r.Content.ReadAsStringAsync();
        string csp = r.Headers.GetValues("Content-Security-Policy").Single();
        string importMap = ImportMap().Match(page).Groups["json"].Value;
        string hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(importMap)));
        Assert.Contains($"script-src 'self' 'sha256-{hash}' 'wasm-unsafe-eval';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal(1, Regex.Count(page, "<script(?![^>]*\\bsrc=)[^>]*>"));

        // Other responses keep the policy without the hash.
        using HttpResponseMessage other = await _client.GetAsync("/readyz");
        Assert.DoesNotContain("sha256-", other.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/service-worker.js")]
    public async Task The_entry_files_are_revalidated_by_etag_and_compressed(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        using HttpResponseMessage r = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("no-cache", r.Headers.CacheControl?.ToString());
        Assert.Equal("br", r.Content.Headers.ContentEncoding.Single());
        Assert.Contains("Accept-Encoding", r.Headers.Vary);
        byte[] compressed = await r.Content.ReadAsByteArrayAsync();
        using var brotli = new System.IO.Compression.BrotliStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
        string text = await new StreamReader(brotli).ReadToEndAsync();
        using (HttpResponseMessage plain = await _client.GetAsync(path))
        {
            Assert.Equal(await plain.Content.ReadAsStringAsync(), text);
            Assert.Empty(plain.Content.Headers.ContentEncoding);
            Assert.True(compressed.Length < text.Length / 2, $"{compressed.Length} bytes compressed of {text.Length}");
        }

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        again.Headers.IfNoneMatch.Add(r.Headers.ETag!);
        using HttpResponseMessage unchanged = await _client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());

        using var head = new HttpRequestMessage(HttpMethod.Head, path);
        using HttpResponseMessage headers = await _client.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, headers.StatusCode);
        Assert.Empty(await headers.Content.ReadAsByteArrayAsync());
    }

    private static string WebRoot => Path.Combine(global::Mnist.Testing.TestEnvironment.RepositoryRoot, "src", "Mnist.Server", "wwwroot");

    [GeneratedRegex("(?:href|src)=\"(?<url>(?:js|css)/[^\"]+)\"")]
    private static partial Regex LinkedCode();

    [GeneratedRegex(@"^(js|css)/[a-z0-9-]+\.[a-z0-9]{6,}\.(js|css)$")]
    private static partial Regex Fingerprinted();

    [GeneratedRegex("""<script type="importmap">(?<json>.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex ImportMap();
}
