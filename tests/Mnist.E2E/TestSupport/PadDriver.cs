using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Mnist.TestSupport;

/// <summary>An answer shown by the page.</summary>
internal sealed record PageAnswer(string Digit, string Mode, string State, double? LatencyMs, float[]? Probabilities);

/// <summary>A number shown by the page: the digits read, the state, the mode, the digits as JSON, the note under it.</summary>
internal sealed record NumberAnswer(string Number, string State, string Mode, string DigitsJson, string Note, double? LatencyMs);

/// <summary>Drives the digit pad like a finger: CDP touch events (touchStart/Move/End), which Chromium turns into
/// pointer events of type touch, exactly what a phone delivers.</summary>
internal sealed class PadDriver
{
    private readonly IPage _page;
    private readonly ICDPSession _cdp;

    private readonly List<string> _console = [];

    private PadDriver(IPage page, ICDPSession cdp)
    {
        _page = page;
        _cdp = cdp;
        page.Console += (_, m) => { lock (_console) _console.Add($"{m.Type}: {m.Text}"); };
        page.PageError += (_, e) => { lock (_console) _console.Add($"page error: {e}"); };
    }

    public static async Task<PadDriver> CreateAsync(IPage page) => new(page, await page.Context.NewCDPSessionAsync(page));

    public IPage Page => _page;

    /// <summary>Waits until the page says <c>ready</c> (the on-device model has loaded).</summary>
    public async Task WaitReadyAsync(float timeoutMs = 30_000)
    {
        try
        {
            await _page.WaitForFunctionAsync("() => document.querySelector('[data-testid=status]').textContent === 'ready'", null,
                new PageWaitForFunctionOptions { Timeout = timeoutMs });
        }
        catch (TimeoutException e)
        {
            string status = await _page.GetByTestId("status").TextContentAsync() ?? "";
            string detail = await _page.Locator("#model-name").TextContentAsync() ?? "";
            string log;
            lock (_console) log = string.Join("\n", _console);
            throw new TimeoutException($"The page never said ready: status '{status}' {detail}\nconsole:\n{log}", e);
        }
    }

    /// <summary>Predictions asked for so far (data-requested).</summary>
    public Task<int> RequestedAsync() =>
        _page.EvaluateAsync<int>("() => +(document.querySelector('[data-testid=prediction]').dataset.requested || 0)");

    /// <summary>Draws strokes given in pad coordinates (CSS px from the pad's top-left corner), unscaled.</summary>
    public async Task DrawRawAsync(float[][][] strokes)
    {
        LocatorBoundingBoxResult box = (await _page.GetByTestId("pad").BoundingBoxAsync())!;
        await SendStrokesAsync(strokes, box.X, box.Y, 1);
    }

    /// <summary>Draws the strokes scaled into the middle 70% of the pad, keeping the aspect ratio.</summary>
    public async Task DrawAsync(float[][][] strokes)
    {
        LocatorBoundingBoxResult box = (await _page.GetByTestId("pad").BoundingBoxAsync(new LocatorBoundingBoxOptions { Timeout = 5_000 }))!;
        float minX = strokes.SelectMany(s => s).Min(p => p[0]), maxX = strokes.SelectMany(s => s).Max(p => p[0]);
        float minY = strokes.SelectMany(s => s).Min(p => p[1]), maxY = strokes.SelectMany(s => s).Max(p => p[1]);
        double extent = Math.Max(1e-3, Math.Max(maxX - minX, maxY - minY));
        double scale = 0.7 * Math.Min(box.Width, box.Height) / extent;
        double ox = box.X + box.Width / 2 - scale * (minX + maxX) / 2, oy = box.Y + box.Height / 2 - scale * (minY + maxY) / 2;
        await SendStrokesAsync(strokes, ox, oy, scale);
    }

    /// <summary>Draws the strokes as large as fits in the middle <paramref name="widthFraction"/> × <paramref name="heightFraction"/>
    /// of the pad, keeping the aspect ratio (a number on a wide pad).</summary>
    public async Task DrawFittedAsync(float[][][] strokes, double widthFraction = 0.9, double heightFraction = 0.7)
    {
        LocatorBoundingBoxResult box = (await _page.GetByTestId("pad").BoundingBoxAsync(new LocatorBoundingBoxOptions { Timeout = 5_000 }))!;
        float minX = strokes.SelectMany(s => s).Min(p => p[0]), maxX = strokes.SelectMany(s => s).Max(p => p[0]);
        float minY = strokes.SelectMany(s => s).Min(p => p[1]), maxY = strokes.SelectMany(s => s).Max(p => p[1]);
        double scale = Math.Min(widthFraction * box.Width / Math.Max(1e-3, maxX - minX), heightFraction * box.Height / Math.Max(1e-3, maxY - minY));
        double ox = box.X + box.Width / 2 - scale * (minX + maxX) / 2, oy = box.Y + box.Height / 2 - scale * (minY + maxY) / 2;
        await SendStrokesAsync(strokes, ox, oy, scale);
    }

    /// <summary>Draws a number stroke by stroke (fitted to the pad) and waits for the number read after the last stroke.</summary>
    public async Task<NumberAnswer> DrawNumberAndWaitAsync(float[][][] strokes)
    {
        int before = await RequestedAsync();
        await DrawFittedAsync(strokes);
        return await WaitNumberAsync(before + strokes.Length);
    }

    /// <summary>Waits until at least <paramref name="requested"/> answers were asked for and the number element shows the
    /// answer to the latest one.</summary>
    public async Task<NumberAnswer> WaitNumberAsync(int requested)
    {
        await _page.WaitForFunctionAsync(
            """
            n => { const d = document.querySelector('[data-testid=prediction]').dataset;
                   const m = document.querySelector('[data-testid=number]').dataset;
                   return +(d.requested || 0) >= n && m.answered === d.requested && m.state !== 'busy'; }
            """,
            requested, new PageWaitForFunctionOptions { Timeout = 20_000 });
        JsonElement e = await _page.EvaluateAsync<JsonElement>("""
            () => {
              const m = document.querySelector('[data-testid=number]');
              return { text: m.textContent, state: m.dataset.state || '', mode: m.dataset.mode || '', digits: m.dataset.digits || '[]',
                       latency: m.dataset.latencyMs || '', note: document.getElementById('number-note').textContent };
            }
            """);
        string latency = e.GetProperty("latency").GetString()!;
        return new NumberAnswer(e.GetProperty("text").GetString()!, e.GetProperty("state").GetString()!, e.GetProperty("mode").GetString()!,
            e.GetProperty("digits").GetString()!, e.GetProperty("note").GetString()!,
            latency.Length == 0 ? null : double.Parse(latency, CultureInfo.InvariantCulture));
    }

    private async Task SendStrokesAsync(float[][][] strokes, double ox, double oy, double scale)
    {
        // The events of a stroke are sent without waiting for each acknowledgement (one CDP connection keeps them in
        // order): waiting would pace them at one per frame, seconds per digit, far slower than a finger.
        foreach (float[][] stroke in strokes)
        {
            var sent = new List<Task>(stroke.Length + 1);
            for (int i = 0; i < stroke.Length; i++)
            {
                double x = ox + scale * stroke[i][0], y = oy + scale * stroke[i][1];
                sent.Add(TouchAsync(i == 0 ? "touchStart" : "touchMove", x, y));
            }
            sent.Add(_cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object> { ["type"] = "touchEnd", ["touchPoints"] = Array.Empty<object>() }));
            await Task.WhenAll(sent);
        }
    }

    /// <summary>Draws and waits for the answer that follows the last stroke.</summary>
    public async Task<PageAnswer> DrawAndWaitAsync(float[][][] strokes)
    {
        int before = await RequestedAsync();
        // Each stroke end asks for an answer; the last one is the one for the whole drawing.
        await DrawAsync(strokes);
        return await WaitAnswerAsync(before + strokes.Length);
    }

    /// <summary>Waits until at least <paramref name="requested"/> predictions were asked for and the latest one is
    /// answered; returns that answer.</summary>
    public async Task<PageAnswer> WaitAnswerAsync(int requested)
    {
        await _page.WaitForFunctionAsync(
            "n => { const d = document.querySelector('[data-testid=prediction]').dataset; return +(d.requested || 0) >= n && d.answered === d.requested; }",
            requested, new PageWaitForFunctionOptions { Timeout = 15_000 });
        return await AnswerAsync();
    }

    public async Task<PageAnswer> AnswerAsync()
    {
        JsonElement e = await _page.EvaluateAsync<JsonElement>("""
            () => {
              const p = document.querySelector('[data-testid=prediction]');
              const v = document.querySelector('[data-testid=probabilities]').dataset.values;
              return { digit: p.textContent, mode: p.dataset.mode || '', state: p.dataset.state || '', latency: p.dataset.latencyMs || '', values: v || '' };
            }
            """);
        string latency = e.GetProperty("latency").GetString()!;
        string values = e.GetProperty("values").GetString()!;
        return new PageAnswer(
            e.GetProperty("digit").GetString()!,
            e.GetProperty("mode").GetString()!,
            e.GetProperty("state").GetString()!,
            latency.Length == 0 ? null : double.Parse(latency, CultureInfo.InvariantCulture),
            values.Length == 0 ? null : values.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Chooses <c>device</c> or <c>server</c> in the mode control (a select; the page re-asks for the current drawing).</summary>
    public Task SelectModeAsync(string mode) => _page.GetByTestId("mode").SelectOptionAsync(mode);

    public Task ClearAsync() => _page.GetByTestId("clear").ClickAsync();

    private Task TouchAsync(string type, double x, double y) =>
        _cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object>
        {
            ["type"] = type,
            ["touchPoints"] = new object[] { new Dictionary<string, object> { ["x"] = x, ["y"] = y, ["id"] = 1 } },
        });
}
