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

    [Fact]
    public async Task ShutdownFinishesRequestsInFlight()
    {
        await using KestrelHost host = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(6)));
        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        async Task LoadAsync()
        {
            // Send until the server stops taking connections; every request it accepted must get a full answer.
            while (true)
            {
                try
                {
                    using StringContent body = Pixels(1);
                    using HttpResponseMessage r = await host.Client.PostAsync("/v1/predict", body);
                    statuses.Add((int)r.StatusCode);
                }
                catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or IOException)
                {
                    return; // refused or closed between requests: never accepted
                }
            }
        }
        Task[] load = Enumerable.Range(0, 16).Select(_ => Task.Run(LoadAsync)).ToArray();
        await Task.Delay(300);
        await host.App.StopAsync();
        await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(statuses, s => s >= 500);
        Assert.Contains(200, statuses);
    }
}
