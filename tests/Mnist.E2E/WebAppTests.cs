using System.Globalization;
using Microsoft.Playwright;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>The web app on a phone-sized touch screen: draw digits from pendigits strokes, both modes, undo/clear,
/// offline device mode after the service worker is installed, first-load size and timings, a screenshot.</summary>
[Collection("app")]
public sealed class WebAppTests(AppFixture app, ITestOutputHelper output)
{
    private const double ReadyBudgetMs = 2000, MedianBudgetMs = 10;

    private static PendigitsSample[] Samples => Pendigits.Spread(100);

    private void Report(string line)
    {
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(TestPaths.Artifacts("measurements"), "web.txt"), $"{DateTime.UtcNow:O} {line}\n");
    }

    [Fact]
    public async Task First_visit_on_a_phone_loads_fast_draws_predicts_in_both_modes_and_saves_a_screenshot()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        long bytesBefore = app.Server.BytesServed;

        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();
        Assert.Equal("device", await page.GetByTestId("mode").InputValueAsync());
        Assert.Equal("", (await page.GetByTestId("prediction").TextContentAsync())!.Trim());

        // The pad fits the phone's width and is backed at device resolution.
        var pad3x = await page.EvaluateAsync<double[]>("() => { const c = document.querySelector('[data-testid=pad]'); const r = c.getBoundingClientRect(); return [r.width, c.width, document.documentElement.scrollWidth]; }");
        Assert.True(pad3x[0] <= 390 && pad3x[0] >= 300, $"pad width {pad3x[0]}");
        Assert.Equal(pad3x[0] * 3, pad3x[1], 1.0);
        Assert.True(pad3x[2] <= 390, $"page scrolls sideways: {pad3x[2]} px");
        Assert.Equal("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('[data-testid=pad]')).touchAction"));

        PendigitsSample first = Samples[0];
        PageAnswer answer = await pad.DrawAndWaitAsync(first.Strokes);
        double firstAt = await page.EvaluateAsync<double>("() => +document.querySelector('[data-testid=prediction]').dataset.firstAt");
        double readyAt = await page.EvaluateAsync<double>("() => +document.querySelector('[data-testid=status]').dataset.readyAt");
        // Time to the first possible answer: the model is ready and one prediction takes its latency. (firstAt also
        // counts the time the test's finger spends drawing after ready.)
        double firstPossible = readyAt + answer.LatencyMs!.Value;
        Assert.Equal("device", answer.Mode);
        Assert.Equal("done", answer.State);
        Assert.Equal(first.Label.ToString(CultureInfo.InvariantCulture), answer.Digit);
        Assert.NotNull(answer.Probabilities);
        Assert.Equal(1.0, answer.Probabilities!.Sum(), 2);
        Assert.Equal(10, await page.GetByTestId("probabilities").Locator("li").CountAsync());

        // Transfer of the first visit, as the page saw it and as the server counted it (the service worker's
        // precache included, which finds the large files in the HTTP cache).
        await page.WaitForFunctionAsync("() => document.documentElement.dataset.offlineReady === 'true'", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        double pageTransfer = await page.EvaluateAsync<double>("""
            () => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((s, e) => s + (e.transferSize || 0), 0)
            """);
        double model = await page.EvaluateAsync<double>("() => performance.getEntriesByType('resource').filter(e => e.name.includes('/v1/models/')).reduce((s, e) => s + e.transferSize, 0)");
        long served = app.Server.BytesServed - bytesBefore;
        Report($"first load: page transfer {pageTransfer / 1e3:F1} KB (model {model / 1e3:F1} KB), server sent {served / 1e3:F1} KB incl. service-worker precache; " +
               $"ready at {readyAt:F0} ms, first prediction possible at {firstPossible:F0} ms and shown at {firstAt:F0} ms (after drawing) after navigation start (model: {TestModel.Description})");
        // The 2 s budget is a benchmark figure (docs/web.md, measured with this test alone on the machine); inside the
        // full suite other projects train on the same cores, so the assert keeps a 20× margin and catches only a hang.
        Assert.True(firstPossible <= 20 * ReadyBudgetMs, $"first prediction possible {firstPossible:F0} ms after load");

        string screenshots = TestPaths.Artifacts("screenshots");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "phone.png"), FullPage = true, Scale = ScreenshotScale.Css });

        // Server mode: the same drawing is asked again, of the server, and gets the same digit.
        int predictCalls = app.Server.PredictCalls;
        await pad.SelectModeAsync("server");
        int requested = await pad.RequestedAsync();
        PageAnswer remote = await pad.WaitAnswerAsync(requested);
        Assert.Equal("server", remote.Mode);
        Assert.Equal(predictCalls + 1, app.Server.PredictCalls);
        Assert.Equal(answer.Digit, remote.Digit);
        // The browser runs the file the server predicts with (its int8 companion, or the float model): the same
        // integer arithmetic, so only the last float steps (scale, softmax) may round differently.
        string serverPrecision = await ServerPrecisionAsync();
        Assert.Equal(serverPrecision, await page.EvaluateAsync<string>("async () => (await (await import('./js/device.js')).DeviceModel.load()).info.precision"));
        double tolerance = 1e-3;
        for (int d = 0; d < 10; d++) Assert.InRange(remote.Probabilities![d] - answer.Probabilities[d], -tolerance, tolerance);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "phone-server.png"), Scale = ScreenshotScale.Css });

        // Undo removes the last stroke and asks again; clear empties the pad and the answer.
        if (first.Strokes.Length > 1)
        {
            await page.GetByTestId("undo").ClickAsync();
            PageAnswer afterUndo = await pad.WaitAnswerAsync(await pad.RequestedAsync());
            Assert.NotEqual("busy", afterUndo.State);
        }
        await pad.ClearAsync();
        PageAnswer cleared = await pad.WaitAnswerAsync(await pad.RequestedAsync());
        Assert.Equal("", cleared.Digit);
        Assert.Null(cleared.Probabilities);

        // A dot is not a digit, in either mode, and is not sent to the server.
        int calls = app.Server.PredictCalls;
        int before = await pad.RequestedAsync();
        await pad.DrawRawAsync([[[100, 100], [102, 103]]]);
        PageAnswer dot = await pad.WaitAnswerAsync(before + 1);
        Assert.Equal("", dot.Digit);
        Assert.Equal(calls, app.Server.PredictCalls);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Device_mode_is_fast_after_warm_up()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();
        var latencies = new List<double>();
        foreach (PendigitsSample s in Samples.Take(23))
        {
            PageAnswer a = await pad.DrawAndWaitAsync(s.Strokes);
            Assert.Equal("done", a.State);
            latencies.Add(a.LatencyMs!.Value);
            await pad.ClearAsync();
        }
        double[] warm = latencies.Skip(3).Order().ToArray();
        double median = warm[warm.Length / 2], p95 = warm[(int)Math.Ceiling(0.95 * warm.Length) - 1];
        Report($"device latency (preprocessing + on-device runtime, {warm.Length} digits after 3 warm-up): median {median:F2} ms, p95 {p95:F2} ms, max {warm[^1]:F2} ms; first {latencies[0]:F2} ms");
        // The 10 ms budget is a benchmark figure (docs/web.md); with the suite's training on the same cores the assert
        // keeps a 20× margin, which still fails if predictions stall (e.g. the wasm falls back to a slow path per call).
        Assert.True(median <= 20 * MedianBudgetMs, $"median {median:F2} ms");
    }

    [Fact]
    public async Task Device_mode_works_offline_after_the_service_worker_is_installed()
    {
        AppFixture.RequireChromium();
        // A server of its own, stopped after the first visit: nothing can come from the network then.
        ServerHost server = await ServerHost.StartAsync(app.ModelPath);
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        string url = server.BaseAddress.ToString();
        try
        {
            await page.GotoAsync(url);
            PadDriver online = await PadDriver.CreateAsync(page);
            await online.WaitReadyAsync();
            await page.WaitForFunctionAsync("() => document.documentElement.dataset.offlineReady === 'true'", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            Assert.True(await page.EvaluateAsync<bool>("() => !!navigator.serviceWorker.controller"), "the service worker does not control the page");
        }
        finally
        {
            await server.DisposeAsync();
        }
        await context.SetOfflineAsync(true);

        await page.ReloadAsync();
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();
        PendigitsSample s = Samples[1];
        PageAnswer answer = await pad.DrawAndWaitAsync(s.Strokes);
        Assert.Equal("done", answer.State);
        Assert.Equal(s.Label.ToString(CultureInfo.InvariantCulture), answer.Digit);

        // Server mode says it cannot answer instead of failing silently.
        await pad.SelectModeAsync("server");
        PageAnswer remote = await pad.WaitAnswerAsync(await pad.RequestedAsync());
        Assert.Equal("error", remote.State);
        Assert.Equal("", remote.Digit);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.Artifacts("screenshots"), "phone-offline.png"), Scale = ScreenshotScale.Css });
        Report($"offline: reloaded with the server stopped and the context offline; device mode answered {answer.Digit} for a {s.Label}");
    }

    private async Task<string> ServerPrecisionAsync()
    {
        using var http = new HttpClient { BaseAddress = app.Server.BaseAddress };
        using var card = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/v1/model"));
        return card.RootElement.GetProperty("inference").GetProperty("precision").GetString() ?? "";
    }
}
