using System.Globalization;
using Microsoft.Playwright;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>
/// The acceptance run: 100 pendigits digits (spread over all 30 writers) drawn on the pad of a phone-sized touch
/// screen, each answered in device mode and in server mode (the real Mnist.Server); server mode must give the same
/// digit every time. Every miss is printed (index, writer, expected, device and server answers).
/// Target: ≥ 97% correct with the shipped model, and the test fails below it; the briefly trained test model used
/// when there is none (90% measured) is held to 85%.
/// </summary>
[Collection("app")]
public sealed class AccuracyTests(AppFixture app, ITestOutputHelper output)
{
    private const int ShippedTarget = 97, TestModelTarget = 85;

    [Fact]
    public async Task Hundred_drawn_digits_are_recognized_on_the_device_and_the_server_agrees()
    {
        AppFixture.RequireChromium();
        PendigitsSample[] samples = Pendigits.Spread(100);
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        PadDriver pad = await PadDriver.CreateAsync(page);
        await pad.WaitReadyAsync();

        int correct = 0, serverCorrect = 0;
        var disagreements = new List<string>();
        var misses = new List<string>();
        var latencies = new List<double>();
        // Modes alternate so each drawing is answered by both with one switch: drawn in one mode, asked again in the other.
        string mode = "device";
        foreach (PendigitsSample s in samples)
        {
            PageAnswer drawn = await pad.DrawAndWaitAsync(s.Strokes);
            Assert.Equal(mode, drawn.Mode);
            string other = mode == "device" ? "server" : "device";
            await pad.SelectModeAsync(other);
            PageAnswer switched = await pad.WaitAnswerAsync(await pad.RequestedAsync());
            Assert.Equal(other, switched.Mode);
            PageAnswer device = mode == "device" ? drawn : switched, server = mode == "device" ? switched : drawn;
            Assert.Equal("done", device.State);
            Assert.Equal("done", server.State);
            latencies.Add(device.LatencyMs!.Value);
            string expected = s.Label.ToString(CultureInfo.InvariantCulture);
            if (server.Digit == expected) serverCorrect++;
            if (device.Digit == expected) correct++;
            else misses.Add($"miss #{s.Index} (writer {s.Writer}, drawn in {mode} mode): expected {expected}, got {Shown(device)} on the device, {Shown(server)} on the server; " +
                            $"p({expected}) = {Probability(device, s.Label)}");
            if (device.Digit != server.Digit) disagreements.Add($"#{s.Index}: device {Shown(device)}, server {Shown(server)}");
            await pad.ClearAsync();
            mode = other;
        }
        double[] sorted = latencies.Skip(5).Order().ToArray();
        string line = $"accuracy: {correct}/100 drawn pendigits correct in device mode, {serverCorrect}/100 in server mode ({TestModel.Description}); " +
                      $"server agreed on {100 - disagreements.Count}/100; device latency median {sorted[sorted.Length / 2]:F2} ms, max {sorted[^1]:F2} ms; " +
                      $"{misses.Count} misses";
        string measurements = Path.Combine(TestPaths.Artifacts("measurements"), "web.txt");
        output.WriteLine(line);
        File.AppendAllText(measurements, $"{DateTime.UtcNow:O} {line}\n");
        foreach (string miss in misses)
        {
            output.WriteLine(miss);
            File.AppendAllText(measurements, $"{DateTime.UtcNow:O}   {miss}\n");
        }
        foreach (string d in disagreements) output.WriteLine($"disagreement {d}");
        Assert.Empty(disagreements);
        // The target is the acceptance criterion, so missing it fails the test (it once only skipped, which hid it).
        int target = TestModel.IsShipped ? ShippedTarget : TestModelTarget;
        Assert.True(correct >= target, $"{correct}/100 is below the target {target}/100: {line}: {string.Join("; ", misses)}");
    }

    private static string Shown(PageAnswer a) => a.Digit.Length == 0 ? "no digit" : a.Digit;

    private static string Probability(PageAnswer a, int digit) =>
        a.Probabilities is { } p ? p[digit].ToString("F3", CultureInfo.InvariantCulture) : "n/a";
}
