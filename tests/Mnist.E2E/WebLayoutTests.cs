using System.Globalization;
using Microsoft.Playwright;
using Mnist.TestSupport;

namespace Mnist.E2E;

/// <summary>What a person sees, measured in the rendered page: probability bars as wide as the probabilities, the
/// switch to server mode when the browser cannot run the model, and no sideways scrolling on a 320 px phone.</summary>
[Collection("app")]
public sealed class WebLayoutTests(AppFixture app)
{
    private static PendigitsSample[] Samples => Pendigits.Spread(3);

    /// <summary>The fraction of its track each bar fills, and the probability the page says it shows.</summary>
    private const string BarsScript = """
        () => Array.from(document.querySelectorAll('[data-testid=probabilities] li')).map(li => {
          const track = li.querySelector('.track').getBoundingClientRect();
          const fill = li.querySelector('.fill').getBoundingClientRect();
          return [track.width, fill.width, fill.height];
        })
        """;

    private static BrowserNewContextOptions Phone(int width)
    {
        BrowserNewContextOptions o = AppFixture.PhoneOptions;
        o.ViewportSize = new ViewportSize { Width = width, Height = 700 };
        // Without the bars' 120 ms width transition, a measurement right after the answer sees the final widths.
        o.ReducedMotion = ReducedMotion.Reduce;
        return o;
    }

    private static Task<double> ScrollWidthAsync(IPage page) => page.EvaluateAsync<double>("() => document.documentElement.scrollWidth");

    [Fact]
    public async Task Each_probability_bar_is_rendered_as_wide_as_its_probability()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.Browser.NewContextAsync(Phone(390));
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();

        foreach (string mode in new[] { "device", "server" })
        {
            await pad.SelectModeAsync(mode);
            if (mode == "server") await pad.ClearAsync(); // the device drawing; Clear is disabled on an empty pad
            PageAnswer answer = await pad.DrawAndWaitAsync(Samples[mode == "device" ? 0 : 1].Strokes);
            Assert.Equal(mode, answer.Mode);
            float[] p = answer.Probabilities!;
            double[][] bars = await page.EvaluateAsync<double[][]>(BarsScript);
            Assert.Equal(10, bars.Length);
            for (int d = 0; d < 10; d++)
            {
                double track = bars[d][0], fill = bars[d][1];
                Assert.True(track > 100, $"{mode}: track of digit {d} is {track} px wide");
                // Within a pixel (layout rounds to device pixels) of probability × track width.
                Assert.True(Math.Abs(fill - p[d] * track) <= 1.0,
                    string.Create(CultureInfo.InvariantCulture, $"{mode}: digit {d} has probability {p[d]:F4} but its bar fills {fill:F1} of {track:F1} px"));
                if (p[d] > 0.05) Assert.True(bars[d][2] > 4, $"{mode}: bar of digit {d} is {bars[d][2]} px high");
            }
            int top = Array.IndexOf(p, p.Max());
            Assert.True(bars[top][1] >= 0.5 * bars[top][0], $"{mode}: the top bar ({top}, p = {p[top]}) fills only {bars[top][1]} of {bars[top][0]} px");
        }
    }

    [Fact]
    public async Task Without_the_on_device_runtime_the_page_switches_to_the_server_with_a_short_note_and_fits_320_px()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.Browser.NewContextAsync(Phone(320));
        // As on a browser that cannot load the on-device runtime: its module does not load.
        await context.RouteAsync("**/js/runtime*.js", route => route.AbortAsync()); // plain or fingerprinted name
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();

        Assert.Equal("server", await page.GetByTestId("mode").InputValueAsync());
        Assert.Equal("server", await page.GetByTestId("status").GetAttributeAsync("data-fallback"));
        string note = (await page.Locator("#model-name").TextContentAsync())!;
        Assert.DoesNotContain("http", note, StringComparison.Ordinal);
        Assert.True(note.Length <= 80, $"note of {note.Length} characters: {note}");

        PageAnswer answer = await pad.DrawAndWaitAsync(Samples[2].Strokes);
        Assert.Equal("server", answer.Mode);
        Assert.Equal("done", answer.State);
        Assert.Matches("^[0-9]$", answer.Digit);
        double width = await ScrollWidthAsync(page);
        Assert.True(width <= 320, $"the page scrolls sideways at 320 px: {width} px wide");
    }

    [Fact]
    public async Task A_320_px_phone_never_scrolls_sideways_in_digit_or_number_mode()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.Browser.NewContextAsync(Phone(320));
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();
        Assert.True(await ScrollWidthAsync(page) <= 320, "before drawing");

        await pad.DrawAndWaitAsync(Samples[0].Strokes);
        Assert.True(await ScrollWidthAsync(page) <= 320, $"after a digit: {await ScrollWidthAsync(page)} px");

        await page.GetByTestId("number-mode").ClickAsync();
        await pad.DrawNumberAndWaitAsync(Samples[0].Strokes);
        Assert.True(await ScrollWidthAsync(page) <= 320, $"in number mode: {await ScrollWidthAsync(page)} px");
    }
}
