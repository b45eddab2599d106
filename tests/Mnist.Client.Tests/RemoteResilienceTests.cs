using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mnist.TestSupport;

namespace Mnist.Client.Tests;

/// <summary>The remote recognizer's resilience pipeline against a real HTTP server that fails on purpose.</summary>
[Collection("server")]
public sealed class RemoteResilienceTests(ServerFixture fixture) : IDisposable
{
    private static readonly StrokeDrawing Seven = StrokeDrawing.FromArrays([[[0f, 0f], [60f, 0f], [30f, 100f]]]);

    public void Dispose()
    {
        fixture.Server.FailNext(0);
        fixture.Server.PredictDelay = TimeSpan.Zero;
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff()
    {
        using ServiceProvider services = fixture.Services(o => o.MaxRetries = 3);
        var remote = services.GetRequiredService<RemoteDigitRecognizer>();
        int before = fixture.Server.PredictCalls;
        fixture.Server.FailNext(2, HttpStatusCode.ServiceUnavailable);
        DigitResult result = await remote.RecognizeAsync(Seven);
        Assert.NotNull(result.Digit);
        Assert.Equal(3, fixture.Server.PredictCalls - before);
        Assert.NotNull(result.ServerMilliseconds);
    }

    [Fact]
    public async Task Persistent_failures_end_in_a_client_exception_with_the_status()
    {
        using ServiceProvider services = fixture.Services(o => o.MaxRetries = 2);
        var remote = services.GetRequiredService<RemoteDigitRecognizer>();
        int before = fixture.Server.PredictCalls;
        fixture.Server.FailNext(10, HttpStatusCode.ServiceUnavailable);
        var e = await Assert.ThrowsAsync<MnistClientException>(() => remote.RecognizeAsync(Seven));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Equal(3, fixture.Server.PredictCalls - before);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        using ServiceProvider services = fixture.Services(o => o.MaxRetries = 3);
        var remote = services.GetRequiredService<RemoteDigitRecognizer>();
        int before = fixture.Server.PredictCalls;
        fixture.Server.FailNext(1, HttpStatusCode.UnprocessableEntity);
        var e = await Assert.ThrowsAsync<MnistClientException>(() => remote.RecognizeAsync(Seven));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.StatusCode);
        Assert.Contains("Injected failure", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, fixture.Server.PredictCalls - before);
    }

    /// <summary>Answers after a second (or when cancelled), counting attempts where the client's pipeline ends.</summary>
    private sealed class SlowHandler : HttpMessageHandler
    {
        public int Calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_slow_server_times_out_per_attempt_and_is_retried()
    {
        var slow = new SlowHandler();
        var services = new ServiceCollection();
        services.AddMnistClient(o =>
        {
            o.BaseAddress = new Uri("http://127.0.0.1:9/");
            o.MaxRetries = 1;
            o.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.TotalTimeout = TimeSpan.FromSeconds(5);
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
        });
        services.AddHttpClient<RemoteDigitRecognizer>().ConfigurePrimaryHttpMessageHandler(() => slow);
        using ServiceProvider provider = services.BuildServiceProvider();
        var e = await Assert.ThrowsAsync<MnistClientException>(() => provider.GetRequiredService<RemoteDigitRecognizer>().RecognizeAsync(Seven));
        Assert.Contains("in time", e.Message, StringComparison.Ordinal);
        Assert.IsType<Polly.Timeout.TimeoutRejectedException>(e.InnerException);
        Assert.Equal(2, slow.Calls);
    }

    [Fact]
    public async Task Cancellation_stops_the_call()
    {
        using ServiceProvider services = fixture.Services();
        var remote = services.GetRequiredService<RemoteDigitRecognizer>();
        fixture.Server.PredictDelay = TimeSpan.FromSeconds(2);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => remote.RecognizeAsync(Seven, cts.Token));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_client_exception()
    {
        var services = new ServiceCollection();
        services.AddMnistClient(o =>
        {
            o.BaseAddress = new Uri("http://127.0.0.1:9/"); // discard port: connection refused
            o.MaxRetries = 1;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
        });
        using ServiceProvider provider = services.BuildServiceProvider();
        var e = await Assert.ThrowsAsync<MnistClientException>(() => provider.GetRequiredService<RemoteDigitRecognizer>().RecognizeAsync(Seven));
        Assert.Null(e.StatusCode);
    }
}
