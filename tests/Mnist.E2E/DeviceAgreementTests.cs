using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Mnist.Engine.Data;
using Mnist.TestSupport;
using Xunit.Abstractions;

namespace Mnist.E2E;

/// <summary>Issue 19 item 6: the page's on-device runtime (js/runtime.js, in Chromium) gives the digit the server gives
/// (POST /v1/predict, ONNX Runtime) on at least 99.9% of the MNIST test digits.</summary>
[Collection("app")]
public sealed class DeviceAgreementTests(AppFixture app, ITestOutputHelper output)
{
    /// <summary>All 10,000 test digits by default (about 30 s here); <c>MNIST_AGREEMENT_COUNT</c> takes fewer.</summary>
    private static int Count => int.TryParse(Environment.GetEnvironmentVariable("MNIST_AGREEMENT_COUNT"), out int n) && n > 0 ? n : 10_000;

    [SkippableFact]
    public async Task Device_argmax_equals_the_server_argmax_on_at_least_99_9_percent_of_MNIST_test_digits()
    {
        Skip.IfNot(AppFixture.HasChromium, "Chromium is not installed (apt-get install chromium).");
        string folder = TestPaths.MnistData;
        Skip.IfNot(File.Exists(Path.Combine(folder, "t10k-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(folder, "t10k-images-idx3-ubyte")),
            $"MNIST test digits not found in {folder}: set MNIST_DATA, or fetch them with `mnist data`.");
        MnistDataset test = MnistDataset.Load(folder, MnistSplit.Test);
        int count = Math.Min(Count, test.Count);
        byte[] pixels = new byte[count * 784];
        for (int i = 0; i < count; i++) test.Image(i).CopyTo(pixels.AsSpan(i * 784, 784));

        // The server: batches of 256 {"pixels":[…]} items.
        int[] server = new int[count];
        using (var http = new HttpClient { BaseAddress = app.Server.BaseAddress })
        {
            for (int start = 0; start < count; start += 256)
            {
                int n = Math.Min(256, count - start);
                var items = Enumerable.Range(start, n).Select(i => new { pixels = pixels.AsSpan(i * 784, 784).ToArray().Select(b => (int)b).ToArray() });
                using HttpResponseMessage response = await http.PostAsJsonAsync("v1/predict", new { items });
                response.EnsureSuccessStatusCode();
                using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                int k = start;
                foreach (JsonElement p in answer.RootElement.GetProperty("predictions").EnumerateArray())
                    server[k++] = p.GetProperty("digit").ValueKind == JsonValueKind.Number ? p.GetProperty("digit").GetInt32() : -1;
            }
        }

        // The device: the page's own module, loaded as the page loads it, on the same pixels (value / 255 as float32).
        await using IBrowserContext context = await app.NewPhoneContextAsync();
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(app.Server.BaseAddress.ToString());
        await (await PadDriver.CreateAsync(page)).WaitReadyAsync();
        await page.EvaluateAsync("async () => { const { DeviceModel } = await import('./js/device.js'); window.__agreement = await DeviceModel.load(); }");
        int[] device = new int[count];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double deviceMs = 0;
        const int Chunk = 500;
        for (int start = 0; start < count; start += Chunk)
        {
            int n = Math.Min(Chunk, count - start);
            string base64 = Convert.ToBase64String(pixels, start * 784, n * 784);
            JsonElement r = await page.EvaluateAsync<JsonElement>("""
                async ([base64, n]) => {
                  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
                  const x = new Float32Array(bytes.length);
                  for (let i = 0; i < bytes.length; i++) x[i] = bytes[i] / 255;
                  const model = window.__agreement, digits = [];
                  const t0 = performance.now();
                  for (let i = 0; i < n; i++) {
                    const p = await model.classify(x.subarray(i * 784, (i + 1) * 784));
                    let best = 0;
                    for (let d = 1; d < 10; d++) if (p[d] > p[best]) best = d;
                    digits.push(best);
                  }
                  return { digits, ms: performance.now() - t0 };
                }
                """, new object[] { base64, n });
            int k = start;
            foreach (JsonElement d in r.GetProperty("digits").EnumerateArray()) device[k++] = d.GetInt32();
            deviceMs += r.GetProperty("ms").GetDouble();
        }
        string precision = await page.EvaluateAsync<string>("() => window.__agreement.info.precision + ' (' + window.__agreement.info.kernel + ')'");

        int same = Enumerable.Range(0, count).Count(i => device[i] == server[i]);
        int[] differ = Enumerable.Range(0, count).Where(i => device[i] != server[i]).Take(20).ToArray();
        int right = Enumerable.Range(0, count).Count(i => device[i] == test.Labels[i]);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"device vs server argmax on MNIST test: {same}/{count} ({100.0 * same / count:F2}%), device {precision} right on {right}/{count}; " +
            $"device {deviceMs / count:F3} ms per digit one at a time, {clock.Elapsed.TotalSeconds:F1} s in all; differ at [{string.Join(", ", differ)}] (model: {TestModel.Description})");
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(TestPaths.Artifacts("measurements"), "web.txt"), $"{DateTime.UtcNow:O} {line}\n");
        Assert.True(same >= 0.999 * count, line);
    }
}
