using System.Net;
using System.Text;
using Microsoft.Playwright;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>Whole numbers on the pad: numbers built from pendigits writers are drawn stroke by stroke in number mode
/// and read in the <c>number</c> element, on this device (number.js) and on the server (POST /v1/read); the number
/// pad fits a phone in portrait.</summary>
[Collection("app")]
public sealed class NumberTests(AppFixture app, ITestOutputHelper output)
{
    /// <summary>Ten numbers of 2–4 digits, each of one writer (seeded, so every run draws the same).</summary>
    // Built on first use inside a test: without the pendigits strokes the test is a visible skip, whereas a static
    // initializer's skip surfaces as a TypeInitializationException, i.e. a failure.
    private static readonly Lazy<SyntheticNumber[]> s_numbers = new(() => SyntheticNumbers.Make(10, seed: 4207));

    private static SyntheticNumber[] Numbers => s_numbers.Value;

    private void Report(string line)
    {
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(TestPaths.Artifacts("measurements"), "web.txt"), $"{DateTime.UtcNow:O} {line}\n");
    }

    [Fact]
    public async Task Device_mode_reads_numbers_written_on_the_pad()
    {
        AppFixture.RequireChromium();
        await ReadNumbersAsync("device");
    }

    [Fact]
    public async Task Server_mode_reads_numbers_written_on_the_pad()
    {
        AppFixture.RequireChromium();
        HttpStatusCode status = await ReadEndpointStatusAsync();
        Assert.False(status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"POST /v1/read is not on this server (HTTP {(int)status})");
        await ReadNumbersAsync("server");
    }

    [Fact]
    public async Task Number_mode_fits_a_phone_in_portrait_with_six_digits()
    {
        AppFixture.RequireChromium();
        SyntheticNumber six = SyntheticNumbers.Make(1, seed: 390, minDigits: 6, maxDigits: 6)[0];
        foreach (int width in new[] { 390, 320 })
        {
            BrowserNewContextOptions options = AppFixture.PhoneOptions;
            options.ViewportSize = new ViewportSize { Width = width, Height = 844 };
            await using IBrowserContext context = await app.Browser.NewContextAsync(options);
            IPage page = await context.NewPageAsync();
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            await page.GotoAsync(app.Server.BaseAddress.ToString());
            PadDriver pad = await PadDriver.CreateAsync(page);
            await pad.WaitReadyAsync();
            await page.GetByTestId("number-mode").ClickAsync();
            Assert.Equal("true", await page.GetByTestId("number-mode").GetAttributeAsync("aria-pressed"));

            // The pad takes the page's width and is wide and short.
            double[] m = await page.EvaluateAsync<double[]>("""
                () => { const r = document.querySelector('[data-testid=pad]').getBoundingClientRect();
                        return [r.left, r.right, r.width, r.height, document.documentElement.scrollWidth]; }
                """);
            Assert.True(m[0] >= 0 && m[1] <= width, $"pad spans {m[0]:F0}–{m[1]:F0} px at {width} px");
            Assert.True(m[2] >= width - 40, $"pad only {m[2]:F0} px wide at {width} px");
            Assert.InRange(m[2] / m[3], 1.8, 2.2);

            NumberAnswer answer = await pad.DrawNumberAndWaitAsync(six.Strokes);
            double scrollWidth = await page.EvaluateAsync<double>("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)");
            Report($"number mode at {width}×844: pad {m[2]:F0}×{m[3]:F0} px, six digits of writer {six.Writer} ({six.Label}) read '{answer.Number}', page width {scrollWidth:F0} px");
            Assert.True(scrollWidth <= width, $"the page scrolls sideways at {width} px: {scrollWidth} px");
            Assert.Equal("done", answer.State);
            Assert.Equal(six.Label.Length, answer.Number.Length);
            await page.ScreenshotAsync(new PageScreenshotOptions
            {
                Path = Path.Combine(TestPaths.Artifacts("screenshots"), $"number-pad-{width}.png"), Scale = ScreenshotScale.Css,
            });
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        }
    }

    private async Task ReadNumbersAsync(string mode)
    {
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();
        await page.GetByTestId("number-mode").ClickAsync();
        if (mode == "server")
        {
            await pad.SelectModeAsync("server");
            Assert.Equal("server", await page.GetByTestId("mode").InputValueAsync());
        }

        int exact = 0;
        var lines = new StringBuilder();
        var latencies = new List<double>();
        foreach (SyntheticNumber n in Numbers)
        {
            if (await pad.RequestedAsync() > 0 && await page.GetByTestId("clear").IsEnabledAsync())
            {
                await pad.ClearAsync();
                NumberAnswer cleared = await pad.WaitNumberAsync(await pad.RequestedAsync());
                Assert.Equal("", cleared.Number);
            }
            NumberAnswer a = await pad.DrawNumberAndWaitAsync(n.Strokes);
            Assert.Equal(mode, a.Mode);
            Assert.True(a.State is "done" or "empty", $"{n.Label}: state {a.State} ({a.Note})");
            if (a.LatencyMs is double ms) latencies.Add(ms);
            bool ok = a.Number == n.Label;
            if (ok) exact++;
            lines.Append($" {n.Label}->{(a.Number.Length == 0 ? "(none)" : a.Number)}{(ok ? "" : " ✗")}");
        }
        latencies.Sort();
        string median = latencies.Count > 0 ? $"{latencies[latencies.Count / 2]:F1} ms" : "n/a";
        Report($"numbers in {mode} mode: {exact}/{Numbers.Length} read exactly (2–4 digits of one pendigits writer, gaps 0.2–0.4 of the height; " +
               $"median number latency {median}; model {TestModel.Description}):{lines}");
        Assert.True(exact >= 9, $"{exact}/{Numbers.Length} numbers read exactly in {mode} mode:{lines}");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>The status of POST /v1/read for a one-stroke drawing (404 or 405 when the server lacks it).</summary>
    private async Task<HttpStatusCode> ReadEndpointStatusAsync()
    {
        using var http = new HttpClient { BaseAddress = app.Server.BaseAddress };
        using var body = new StringContent("""{"strokes":[[[10,10],[10,90]]],"width":200,"height":100}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await http.PostAsync("v1/read", body);
        return response.StatusCode;
    }
}
