using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>Issue 19 item 6: the first visit moves at most 1 MB on the wire until the page says <c>ready</c> and the
/// service worker's precache is done, and no file goes over the wire twice (page and service worker).</summary>
[Collection("app")]
public sealed class PageWeightTests(AppFixture app, ITestOutputHelper output)
{
    /// <summary>The budget of the issue: 1 MB (10^6 bytes) on the wire, headers included.</summary>
    private const long Budget = 1_000_000;

    [SkippableFact]
    public async Task First_visit_moves_at_most_1_MB_on_the_wire_until_ready_and_precached_and_fetches_no_file_twice()
    {
        Skip.IfNot(AppFixture.HasChromium, "Chromium is not installed (apt-get install chromium).");
        // A server of its own: its responses are this visit's only.
        ServerHost server = await ServerHost.StartAsync(app.ModelPath);
        try
        {
            await using IBrowserContext context = await app.NewPhoneContextAsync();
            IPage page = await context.NewPageAsync();

            // Bytes on the wire as Chromium counts them (DevTools protocol: Network.loadingFinished's encodedDataLength,
            // headers and compressed body) for the page's requests; the service worker's own requests are another
            // target, so they are taken from the server's side (below), which sees every response.
            ICDPSession cdp = await context.NewCDPSessionAsync(page);
            var urls = new Dictionary<string, string>();
            var wire = new Dictionary<string, double>();
            cdp.Event("Network.requestWillBeSent").OnEvent += (_, e) =>
            {
                if (e is { } v) lock (urls) urls[v.GetProperty("requestId").GetString()!] = v.GetProperty("request").GetProperty("url").GetString()!;
            };
            cdp.Event("Network.loadingFinished").OnEvent += (_, e) =>
            {
                if (e is { } v) lock (urls) wire[v.GetProperty("requestId").GetString()!] = v.GetProperty("encodedDataLength").GetDouble();
            };
            await cdp.SendAsync("Network.enable");
            int before = server.Responses.Count; // the host's own readiness check

            await page.GotoAsync(server.BaseAddress.ToString());
            PadDriver pad = await PadDriver.CreateAsync(page);
            await pad.WaitReadyAsync();
            Assert.Equal("device", await page.GetByTestId("mode").InputValueAsync());
            await page.WaitForFunctionAsync("() => document.documentElement.dataset.offlineReady === 'true'", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            await page.WaitForTimeoutAsync(300); // the last loadingFinished events

            double pageWire;
            string perFile;
            var pagePaths = new List<string>();
            lock (urls)
            {
                pageWire = wire.Values.Sum();
                foreach (string id in wire.Keys) pagePaths.Add(new Uri(urls.GetValueOrDefault(id, "http://unknown/")).AbsolutePath);
                perFile = string.Join(", ", wire.OrderByDescending(kv => kv.Value)
                    .Select(kv => $"{new Uri(urls.GetValueOrDefault(kv.Key, "http://unknown/")).AbsolutePath} {kv.Value / 1e3:F1} KB"));
            }
            IReadOnlyList<ServedResponse> served = server.Responses.Skip(before).ToList();
            long serverBody = served.Sum(r => r.Bytes);
            // The service worker's downloads: what the server sent beyond the page's own responses (matched by path).
            var pending = pagePaths.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
            var worker = new List<ServedResponse>();
            foreach (ServedResponse r in served)
            {
                if (pending.TryGetValue(r.Path, out int n) && n > 0) pending[r.Path] = n - 1;
                else worker.Add(r);
            }
            // Their headers are not seen from here: counted as 400 bytes each (the page's responses carry 250–350).
            double total = pageWire + worker.Sum(r => r.Bytes + 400.0);
            string[] twice = served.Where(r => r.Status == 200 && r.Method == "GET").GroupBy(r => r.Path).Where(g => g.Count() > 1)
                .Select(g => $"{g.Key} ×{g.Count()}").ToArray();
            string line = string.Create(CultureInfo.InvariantCulture,
                $"first visit on the wire: {total / 1e3:F1} KB = page {pageWire / 1e3:F1} KB in {wire.Count} responses (DevTools protocol, headers included) + " +
                $"service worker precache {worker.Sum(r => r.Bytes) / 1e3:F1} KB in {worker.Count} responses ({string.Join(", ", worker.Select(r => r.Path))}); " +
                $"server sent {serverBody / 1e3:F1} KB of bodies in {served.Count} responses (model: {TestModel.Description}); page per file: {perFile}");
            output.WriteLine(line);
            File.AppendAllText(Path.Combine(TestPaths.Artifacts("measurements"), "web.txt"), $"{DateTime.UtcNow:O} {line}\n");

            Assert.True(twice.Length == 0, $"fetched more than once: {string.Join(", ", twice)}");
            Assert.True(total <= Budget, $"the first visit moved {total:F0} bytes on the wire (budget {Budget}): {line}");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task The_page_code_comes_by_fingerprinted_url_and_a_second_visit_asks_the_server_for_no_code_file()
    {
        Skip.IfNot(AppFixture.HasChromium, "Chromium is not installed (apt-get install chromium).");
        ServerHost server = await ServerHost.StartAsync(app.ModelPath);
        try
        {
            await using IBrowserContext context = await app.NewPhoneContextAsync();
            IPage page = await context.NewPageAsync();
            int before = server.Responses.Count;
            await page.GotoAsync(server.BaseAddress.ToString());
            await (await PadDriver.CreateAsync(page)).WaitReadyAsync();
            await page.WaitForFunctionAsync("() => document.documentElement.dataset.offlineReady === 'true'", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            string[] code = server.Responses.Skip(before).Select(r => r.Path)
                .Where(p => p.StartsWith("/js/", StringComparison.Ordinal) || p.StartsWith("/css/", StringComparison.Ordinal)).ToArray();
            Assert.True(code.Length >= 10, $"the first visit loaded {code.Length} code files: {string.Join(", ", code)}");
            foreach (string path in code) Assert.Matches(@"^/(js|css)/[a-z0-9-]+\.[a-z0-9]{6,}\.(js|css)$", path);

            // The second visit: the page is revalidated, the code is immutable and comes from the browser's caches.
            int first = server.Responses.Count;
            await page.ReloadAsync();
            await (await PadDriver.CreateAsync(page)).WaitReadyAsync();
            await page.WaitForTimeoutAsync(1000); // the service worker's background revalidation of the page
            string[] again = server.Responses.Skip(first).Select(r => $"{r.Method} {r.Path} {r.Status}").ToArray();
            output.WriteLine($"second visit asked the server for: {string.Join(", ", again)}");
            Assert.DoesNotContain(again, r => r.Contains(" /js/", StringComparison.Ordinal) || r.Contains(" /css/", StringComparison.Ordinal));
            Assert.Equal("device", await page.GetByTestId("mode").InputValueAsync());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
