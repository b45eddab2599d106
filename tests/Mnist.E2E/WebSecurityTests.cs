using System.Globalization;
using Microsoft.Playwright;
using Mnist.TestSupport;

namespace Mnist.E2E;

/// <summary>
/// The web app under the server's security headers (issue 18), in Chromium: the strict Content-Security-Policy blocks
/// nothing the app needs in either mode, and the service worker answers only the app's own page with the app shell.
/// </summary>
[Collection("app")]
public sealed class WebSecurityTests(AppFixture app)
{
    private static PendigitsSample[] Samples => Pendigits.Spread(100);

    [Fact]
    public async Task The_app_works_in_both_modes_under_the_content_security_policy_without_a_violation()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add(m.Text);
        };
        page.PageError += (_, e) => violations.Add("page error: " + e);
        // Every violation also fires this event in the page, including ones the console does not show.
        await page.AddInitScriptAsync("document.addEventListener('securitypolicyviolation', e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));");

        IResponse? response = await page.GotoAsync(app.Server.BaseAddress.ToString());
        string csp = (await response!.AllHeadersAsync())["content-security-policy"];
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();

        PageAnswer device = await pad.DrawAndWaitAsync(Samples[0].Strokes);
        Assert.Equal(Samples[0].Label.ToString(CultureInfo.InvariantCulture), device.Digit);
        await pad.SelectModeAsync("server");
        await pad.ClearAsync();
        PageAnswer server = await pad.DrawAndWaitAsync(Samples[1].Strokes);
        Assert.Equal("server", server.Mode);
        Assert.Equal(Samples[1].Label.ToString(CultureInfo.InvariantCulture), server.Digit);
        await page.WaitForFunctionAsync("() => document.documentElement.dataset.offlineReady === 'true'", null, new PageWaitForFunctionOptions { Timeout = 60_000 });

        string[] inPage = await page.EvaluateAsync<string[]>("() => window.__csp || []");
        Assert.True(violations.Count == 0 && inPage.Length == 0, string.Join("\n", violations.Concat(inPage)));
    }

    [Fact]
    public async Task The_service_worker_leaves_other_pages_of_the_server_to_the_network()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        string root = app.Server.BaseAddress.ToString();
        await page.GotoAsync(root);
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();
        await page.WaitForFunctionAsync("() => document.documentElement.dataset.offlineReady === 'true'", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => !!navigator.serviceWorker.controller"), "the service worker does not control the page");

        // Before: every navigation in the worker's scope was answered with the cached app page.
        await page.GotoAsync(root + "mnist");
        Assert.Contains("Upload a digit", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId("pad").CountAsync());
        await page.GotoAsync(root + "metrics");
        Assert.Contains("# HELP", await page.InnerTextAsync("body"), StringComparison.Ordinal);

        // The app's own page is still the shell, also with a query string.
        await page.GotoAsync(root + "?from=home-screen");
        await PadDriver.CreateAsync(page).ContinueWith(t => t.Result.WaitReadyAsync()).Unwrap();
    }

    [Fact]
    public async Task The_api_reference_renders_under_its_policy()
    {
        AppFixture.RequireChromium();
        await using IBrowserContext context = await app.Browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add(m.Text);
        };
        await page.GotoAsync(app.Server.BaseAddress + "scalar/", new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        // Rendered: the operations of the OpenAPI document are on the page (fetched and drawn by Scalar's scripts).
        // The group names come from the document's tags, so they prove /openapi/v1.json was fetched and drawn.
        await page.WaitForFunctionAsync("() => document.body.innerText.includes('Flask-compatible') && document.body.innerText.includes('Predictions')",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }
}
