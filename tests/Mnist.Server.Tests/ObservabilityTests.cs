using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mnist.Server.Observability;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>Health checks behind /healthz and /readyz, the not-ready pause on shutdown, metrics kept per server, and
/// the spans of a prediction (request → batch → model).</summary>
public class ObservabilityTests
{
    private static StringContent Pixels(int index) => new(TestImages.PixelsJson(index), Encoding.UTF8, "application/json");

    [Fact]
    public async Task ReadinessRunsTheHostsHealthChecksToo()
    {
        // A check a host adds under the "ready" tag (say, a dependency it needs) takes the server out of rotation.
        bool dependencyUp = true;
        await using KestrelHost host = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(11)),
            b => b.Services.AddHealthChecks().AddCheck("dependency", () => dependencyUp ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the dependency is down"),
                tags: [ModelHealthCheck.ReadyTag]));
        await Eventually.WaitForAsync(async () => (await host.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "the model to load");

        dependencyUp = false;
        HttpResponseMessage notReady = await host.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        JsonElement body = await HttpAssert.JsonAsync(notReady, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("not_ready", body.GetProperty("status").GetString());
        Assert.Equal("the dependency is down", body.GetProperty("reason").GetString());
        // Liveness does not depend on readiness checks: restarting the process would not bring the dependency back.
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task ShutdownReportsNotReadyWhileStillServing()
    {
        KestrelHost host = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(12)), "--Mnist:DrainSeconds=3");
        try
        {
            await Eventually.WaitForAsync(async () => (await host.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "the model to load");
            Task stopping = host.App.StopAsync();
            await Eventually.WaitForAsync(async () => (await host.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable,
                "readiness to turn 503 on shutdown");
            JsonElement body = await HttpAssert.JsonAsync(await host.Client.GetAsync("/readyz"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("shutting down", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
            // The balancer has not noticed yet: whatever it still sends gets a real answer.
            using HttpResponseMessage predicted = await host.Client.PostAsync("/v1/predict", Pixels(0));
            Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
            Assert.False(stopping.IsCompleted, "the server stopped before its drain pause ended");
            await stopping.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoServersInOneProcessCountTheirOwnPredictions()
    {
        await using KestrelHost a = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(13)));
        await using KestrelHost b = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(14)));
        foreach (KestrelHost h in new[] { a, b })
            await Eventually.WaitForAsync(async () => (await h.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "the model to load");
        for (int i = 0; i < 3; i++) (await a.Client.PostAsync("/v1/predict", Pixels(i))).EnsureSuccessStatusCode();
        (await b.Client.PostAsync("/v1/predict", Pixels(0))).EnsureSuccessStatusCode();
        Assert.Equal(3, PrometheusScrape.Value(await a.Client.GetStringAsync("/metrics"), "mnist_predictions_total"));
        Assert.Equal(1, PrometheusScrape.Value(await b.Client.GetStringAsync("/metrics"), "mnist_predictions_total"));
    }

    [Fact]
    public async Task APredictionIsTracedFromRequestThroughBatchToModel()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is Telemetry.ActivitySourceName or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using KestrelHost host = await KestrelHost.StartAsync(TestModels.PrivateFile(TestModels.RandomLenet(15)));
        await Eventually.WaitForAsync(async () => (await host.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "the model to load");

        // The client's own trace context: the server's request span continues it, which singles out this request
        // among the other tests' servers in this process.
        ActivityTraceId trace = ActivityTraceId.CreateRandom();
        ActivitySpanId caller = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = Pixels(3) };
        request.Headers.Add("traceparent", $"00-{trace}-{caller}-01");
        (await host.Client.SendAsync(request)).EnsureSuccessStatusCode();

        Activity server = await FindAsync(spans, a => a.Source.Name == "Microsoft.AspNetCore" && a.TraceId == trace);
        Assert.Equal(caller, server.ParentSpanId);
        Activity batch = await FindAsync(spans, a => a.OperationName == "mnist.batch" && a.TraceId == trace);
        Activity model = await FindAsync(spans, a => a.OperationName == "mnist.model" && a.ParentSpanId == batch.SpanId);
        Assert.Equal(server.SpanId, batch.ParentSpanId);
        Assert.Contains(batch.Links, l => l.Context.SpanId == server.SpanId);
        Assert.Equal(1, batch.GetTagItem("mnist.batch.size"));
        Assert.False(string.IsNullOrEmpty(model.GetTagItem("mnist.model.name") as string));
    }

    private static async Task<Activity> FindAsync(ConcurrentBag<Activity> spans, Func<Activity, bool> match)
    {
        Activity? found = null;
        await Eventually.WaitForAsync(() => Task.FromResult((found = spans.FirstOrDefault(match)) is not null), "the span to end");
        return found!;
    }
}
