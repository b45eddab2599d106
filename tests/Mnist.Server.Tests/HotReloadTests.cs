using System.Net;
using System.Text;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>Replacing the model file while requests run: valid files switch the model, invalid ones are refused,
/// and no request fails either way. Runs on a real Kestrel.</summary>
public class HotReloadTests
{
    [Fact]
    public async Task ReplacingTheFileSwitchesModelsWithoutFailingRequests()
    {
        string path = TestModels.PrivateFile(TestModels.RandomLenet(1));
        await using KestrelHost host = await KestrelHost.StartAsync(path);
        string first = await ShaAsync(host.Client);

        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        int ok = 0;
        // Half the load predicts digits (micro-batcher), half reads numbers (the served model's classifier directly).
        async Task LoadAsync(int worker)
        {
            (string endpoint, string body) = worker % 2 == 0
                ? ("/v1/predict", TestImages.PixelsJson(3))
                : ("/v1/read", """{"strokes":[[[10,10],[11,55],[10,100]],[[40,10],[80,10],[80,100],[40,100],[40,10]]],"width":200,"height":200}""");
            while (!stop.IsCancellationRequested)
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using HttpResponseMessage r = await host.Client.PostAsync(endpoint, content);
                if (r.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref ok);
                else
                {
                    string text = await r.Content.ReadAsStringAsync();
                    lock (failures) failures.Add($"{endpoint} {(int)r.StatusCode}: {text}");
                }
            }
        }
        Task[] load = Enumerable.Range(0, 8).Select(i => Task.Run(() => LoadAsync(i))).ToArray();

        // The load keeps getting answers after each step (was: more than 50 answers in all, a speed expectation).
        async Task AnswersContinueAsync(string after)
        {
            int mark = Volatile.Read(ref ok);
            await Eventually.WaitForAsync(() => Task.FromResult(Volatile.Read(ref ok) > mark + 8), $"answers after {after}");
        }

        // 1. A valid new model (atomic rename): served within a few seconds.
        await Task.Delay(200);
        byte[] second = TestModels.RandomLenet(2);
        TestModels.AtomicReplace(path, second);
        string secondSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(second));
        await Eventually.WaitForAsync(async () => await ShaAsync(host.Client) == secondSha, "the new model to be served");
        await AnswersContinueAsync("the first reload");

        // 2. An invalid file: rejected, the second model keeps serving, the failure is counted.
        TestModels.AtomicReplace(path, Encoding.UTF8.GetBytes("this is not an onnx model"));
        await Eventually.WaitForAsync(async () => PrometheusScrape.Value(await host.Client.GetStringAsync("/metrics"), "mnist_model_reload_failures_total") == 1,
            "the invalid file to be rejected");
        Assert.Equal(secondSha, await ShaAsync(host.Client));

        // 3. A truncated ONNX file: rejected as well.
        TestModels.AtomicReplace(path, second.AsSpan(0, second.Length / 2).ToArray());
        await Eventually.WaitForAsync(async () => PrometheusScrape.Value(await host.Client.GetStringAsync("/metrics"), "mnist_model_reload_failures_total") == 2,
            "the truncated file to be rejected");
        await AnswersContinueAsync("two rejected files");

        // 4. A third valid model: reloading works after failures.
        byte[] third = TestModels.RandomLenet(7);
        string thirdSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(third));
        TestModels.AtomicReplace(path, third);
        await Eventually.WaitForAsync(async () => await ShaAsync(host.Client) == thirdSha, "a third model to be served");
        await AnswersContinueAsync("the second reload");

        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(load);
        Assert.Empty(failures);
        string metrics = await host.Client.GetStringAsync("/metrics");
        Assert.Equal(2, PrometheusScrape.Value(metrics, "mnist_model_reloads_total"));

        // The ETag of the download follows the model.
        using HttpResponseMessage download = await host.Client.GetAsync("/v1/models/current.onnx");
        Assert.Equal($"\"{thirdSha}\"", download.Headers.ETag?.Tag);
        Assert.NotEqual(first, thirdSha);
    }

    [Fact]
    public async Task MissingModelMeansNotReadyUntilTheFileAppears()
    {
        string dir = Directory.CreateDirectory(Path.Combine(TestModels.TempDir, Guid.NewGuid().ToString("N"))).FullName;
        string path = Path.Combine(dir, "model.onnx");
        await using KestrelHost host = await KestrelHost.StartAsync(path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        using (var content = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json"))
            await HttpAssert.ProblemAsync(await host.Client.PostAsync("/v1/predict", content), HttpStatusCode.ServiceUnavailable);

        TestModels.AtomicReplace(path, TestModels.RandomLenet(3));
        await Eventually.WaitForAsync(async () => (await host.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "readiness");
        using var ok = new StringContent(TestImages.PixelsJson(0), Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/v1/predict", ok)).StatusCode);
    }

    private static async Task<string> ShaAsync(HttpClient client)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/model"));
        return doc.RootElement.GetProperty("sha256").GetString()!;
    }
}
