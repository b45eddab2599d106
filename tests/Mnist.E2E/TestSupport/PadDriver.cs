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
    /// <returns>The points sent, in CSS px from the pad's top-left corner.</returns>
    public async Task<double[][][]> DrawFittedAsync(float[][][] strokes, double widthFraction = 0.9, double heightFraction = 0.7, bool paced = false)
    {
        LocatorBoundingBoxResult box = (await _page.GetByTestId("pad").BoundingBoxAsync(new LocatorBoundingBoxOptions { Timeout = 5_000 }))!;
        float minX = strokes.SelectMany(s => s).Min(p => p[0]), maxX = strokes.SelectMany(s => s).Max(p => p[0]);
        float minY = strokes.SelectMany(s => s).Min(p => p[1]), maxY = strokes.SelectMany(s => s).Max(p => p[1]);
        double scale = Math.Min(widthFraction * box.Width / Math.Max(1e-3, maxX - minX), heightFraction * box.Height / Math.Max(1e-3, maxY - minY));
        double ox = box.X + box.Width / 2 - scale * (minX + maxX) / 2, oy = box.Y + box.Height / 2 - scale * (minY + maxY) / 2;
        await SendStrokesAsync(strokes, ox, oy, scale, paced);
        return [.. strokes.Select(stroke => stroke.Select(p => new[] { ox - box.X + scale * p[0], oy - box.Y + scale * p[1] }).ToArray())];
    }

    /// <summary>Draws a number stroke by stroke (fitted to the pad, one touch event at a time) and waits for the number
    /// read after the last stroke; throws when the pad received a drawing other than the one sent.</summary>
    /// <remarks>A number's reading turns on a few pixels where digits nearly touch, so the drawing must not depend on
    /// how the browser batched the events: each event is acknowledged before the next is sent, and the points the pad's
    /// pointer events carried are compared with those sent (<see cref="CheckReceivedAsync"/>), so an input-pipeline
    /// surprise fails as such instead of as a misread number.</remarks>
    public async Task<NumberAnswer> DrawNumberAndWaitAsync(float[][][] strokes)
    {
        int before = await RequestedAsync();
        await StartRecordingAsync();
        double[][][] sent = await DrawFittedAsync(strokes, paced: true);
        await CheckReceivedAsync(sent);
        return await WaitNumberAsync(before + strokes.Length);
    }

    // Listens beside the pad (capture phase on the window) and keeps what its pointer events carry, as pad.js reads them:
    // the coalesced samples of each move, in CSS px from the pad's corner.
    private const string RecorderJs = """
        () => {
          const pad = document.querySelector('[data-testid=pad]');
          const at = (e) => { const r = pad.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
          const rec = { strokes: [], current: null, id: null };
          if (window.__padRecorder) window.__padRecorder.stop();
          const down = (e) => { if (e.target === pad && rec.id === null) { rec.id = e.pointerId; rec.current = [at(e)]; } };
          const move = (e) => {
            if (e.pointerId !== rec.id) return;
            const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
            for (const c of events.length > 0 ? events : [e]) rec.current.push(at(c));
          };
          const up = (e) => {
            if (e.pointerId !== rec.id) return;
            if (e.type === 'pointerup') rec.current.push(at(e));
            rec.strokes.push(rec.current); rec.current = null; rec.id = null;
          };
          const types = [['pointerdown', down], ['pointermove', move], ['pointerup', up], ['pointercancel', up]];
          for (const [t, f] of types) addEventListener(t, f, true);
          rec.stop = () => { for (const [t, f] of types) removeEventListener(t, f, true); };
          window.__padRecorder = rec;
        }
        """;

    private Task StartRecordingAsync() => _page.EvaluateAsync(RecorderJs);

    /// <summary>Compares the strokes the pad's pointer events carried with those sent: the same strokes, each the same
    /// points once repeats are dropped (the browser sends no move to where the finger already is), within the rounding
    /// of CSS px to device pixels.</summary>
    private async Task CheckReceivedAsync(double[][][] sent)
    {
        double[][][] got = await _page.EvaluateAsync<double[][][]>("() => { window.__padRecorder.stop(); return window.__padRecorder.strokes; }");
        double pixel = 1.0 / await _page.EvaluateAsync<double>("() => window.devicePixelRatio || 1");
        static List<double[]> Distinct(IEnumerable<double[]> points, double tolerance)
        {
            var kept = new List<double[]>();
            foreach (double[] p in points)
                if (kept.Count == 0 || Math.Abs(p[0] - kept[^1][0]) > tolerance || Math.Abs(p[1] - kept[^1][1]) > tolerance) kept.Add(p);
            return kept;
        }
        string? difference = got.Length != sent.Length ? $"{got.Length} strokes arrived, {sent.Length} were sent" : null;
        for (int s = 0; s < sent.Length && difference is null; s++)
        {
            List<double[]> a = Distinct(sent[s], pixel), b = Distinct(got[s], pixel);
            if (a.Count != b.Count) difference = $"stroke {s}: {b.Count} distinct points arrived, {a.Count} were sent";
            for (int i = 0; i < a.Count && difference is null; i++)
                if (Math.Abs(a[i][0] - b[i][0]) > pixel || Math.Abs(a[i][1] - b[i][1]) > pixel)
                    difference = $"stroke {s} point {i}: ({b[i][0]:F2}, {b[i][1]:F2}) arrived, ({a[i][0]:F2}, {a[i][1]:F2}) was sent";
        }
        if (difference is not null) throw new InvalidOperationException($"The pad received another drawing than the one sent: {difference}.");
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

    private async Task SendStrokesAsync(float[][][] strokes, double ox, double oy, double scale, bool paced = false)
    {
        // Unpaced, the events of a stroke are sent without waiting for each acknowledgement (one CDP connection keeps
        // them in order), as fast as a finger; how the browser then batches them into pointer events depends on timing.
        // Paced, each is acknowledged before the next is sent.
        foreach (float[][] stroke in strokes)
        {
            var sent = new List<Task>(stroke.Length + 1);
            for (int i = 0; i <= stroke.Length; i++)
            {
                Task t = i == stroke.Length
                    ? _cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object> { ["type"] = "touchEnd", ["touchPoints"] = Array.Empty<object>() })
                    : TouchAsync(i == 0 ? "touchStart" : "touchMove", ox + scale * stroke[i][0], oy + scale * stroke[i][1]);
                if (paced) await t;
                else sent.Add(t);
            }
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
