using System.Net;
using System.Text;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>Rate limiting, CORS, the managed engine, and graceful shutdown.</summary>
public class ServerBehaviourTests
{
    private static StringContent Pixels(int index) => new(TestImages.PixelsJson(index), Encoding.UTF8, "application/json");

    [Fact]
    public async Task LowRateLimitAnswers429AsProblem()
    {
        using var factory = new MnistServerFactory(TestModels.PrivateFile(TestModels.RandomLenet(4)), new Dictionary<string, string?>
        {
            ["Mnist:RateLimit:Enabled"] = "true",
            ["Mnist:RateLimit:PermitsPerSecond"] = "1",
            ["Mnist:RateLimit:Burst"] = "3",
        });
        using HttpClient client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            using StringContent body = Pixels(i);
            HttpResponseMessage r = await client.PostAsync("/v1/predict", body);
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await HttpAssert.ProblemAsync(r, HttpStatusCode.TooManyRequests);
                Assert.True(r.Headers.RetryAfter is not null);
            }
        }
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        // Health and metrics are not rate limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(3, PrometheusScrape.Value(await client.GetStringAsync("/metrics"), "mnist_rate_limited_total"));
    }

    [Fact]
    public async Task CorsIsOffByDefaultAndConfigurable()
    {
        string model = TestModels.PrivateFile(TestModels.RandomLenet(5));
        using (var closed = new MnistServerFactory(model))
        {
            using HttpClient client = closed.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/model");
            request.Headers.Add("Origin", "http://app.example");
            HttpResponseMessage r = await client.SendAsync(request);
            Assert.False(r.Headers.Contains("Access-Control-Allow-Origin"));
        }
        using var open = new MnistServerFactory(model, new Dictionary<string, string?> { ["Mnist:CorsOrigins:0"] = "http://app.example" });
        using HttpClient openClient = open.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/predict");
        preflight.Headers.Add("Origin", "http://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        HttpResponseMessage p = await openClient.SendAsync(preflight);
        Assert.Equal("http://app.example", p.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task ManagedEngineServesTheSameAnswers()
    {
        string model = TestModels.PrivateCopy(TestModels.TrainedLenetPath);
        using var onnx = new MnistServerFactory(model);
        using var managed = new MnistServerFactory(model, new Dictionary<string, string?> { ["Mnist:Engine"] = "managed", ["Mnist:ManagedInstances"] = "2" });
        using HttpClient a = onnx.CreateClient(), b = managed.CreateClient();
        using (var doc = JsonDocument.Parse(await b.GetStringAsync("/v1/model")))
            Assert.Equal("managed", doc.RootElement.GetProperty("runtime").GetString());
        for (int i = 0; i < 5; i++)
        {
            using StringContent ca = Pixels(i), cb = Pixels(i);
            JsonElement ra = await HttpAssert.JsonAsync(await a.PostAsync("/v1/predict", ca));
            JsonElement rb = await HttpAssert.JsonAsync(await b.PostAsync("/v1/predict", cb));
            Assert.Equal(ra.GetProperty("digit").GetInt32(), rb.GetProperty("digit").GetInt32());
            Assert.Equal(ra.GetProperty("confidence").GetDouble(), rb.GetProperty("confidence").GetDouble(), 3);
        }
    }

    /// <summary>
    /// Requests the server has accepted when shutdown starts get full answers, and shutdown waits for them. The bodies are
    /// held half-sent until shutdown has begun, so the requests are provably in flight (the old version counted any reset
    /// as "never accepted" and so could not fail on a dropped request); stopping must not complete while they are held.
    /// </summary>
    [Fact]
    public async Task ShutdownFinishesRequestsInFlight()
    {
        await using KestrelHost host = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(6)));
        const int inFlight = 8;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HeldBody[] bodies = [.. Enumerable.Range(0, inFlight).Select(i => new HeldBody(TestImages.PixelsJson(i), release.Task))];
        Task<HttpResponseMessage>[] requests = [.. bodies.Select(b => host.Client.PostAsync("/v1/predict", b))];
        await Task.WhenAll(bodies.Select(b => b.HalfSent)).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(300); // the headers and first half are on the server, whose handlers now wait for the rest

        Task stopping = host.App.StopAsync();
        await Task.Delay(500);
        Assert.False(stopping.IsCompleted, "the server finished stopping while accepted requests were still waiting for their bodies");
        release.SetResult();

        HttpResponseMessage[] responses = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < inFlight; i++)
        {
            Assert.Equal(HttpStatusCode.OK, responses[i].StatusCode);
            using JsonDocument doc = JsonDocument.Parse(await responses[i].Content.ReadAsStringAsync());
            Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("digit").ValueKind);
            responses[i].Dispose();
        }
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        // Once stopped, a new connection is refused.
        using var fresh = new HttpClient { BaseAddress = host.Address };
        using StringContent late = Pixels(1);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => fresh.PostAsync("/v1/predict", late));
    }

    /// <summary>A JSON body sent in two halves: the second only after <c>release</c> completes.</summary>
    private sealed class HeldBody : HttpContent
    {
        private readonly TaskCompletionSource _halfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly string json;
        private readonly Task release;

        public HeldBody(string json, Task release)
        {
            this.json = json;
            this.release = release;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public Task HalfSent => _halfSent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(json);
            int half = bytes.Length / 2;
            await stream.WriteAsync(bytes.AsMemory(0, half));
            await stream.FlushAsync();
            _halfSent.TrySetResult();
            await release;
            await stream.WriteAsync(bytes.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = Encoding.UTF8.GetByteCount(json);
            return true;
        }
    }
}
