using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mnist.Server;

namespace Mnist.TestSupport;

/// <summary>
/// The real Mnist.Server in this process: <see cref="MnistServer.CreateBuilder"/> and <see cref="MnistServer.Configure"/>,
/// as <c>dotnet run --project src/Mnist.Server</c> composes them, on Kestrel at 127.0.0.1 with a port the system
/// picks. Content root is <c>src/Mnist.Server</c>, so the shipped <c>appsettings.json</c> (limits, rate limiting,
/// same-origin CORS, micro-batching) and the built <c>wwwroot</c> (as static web assets, compressed) are used
/// unchanged; the command line only names the model file and quiets the logs.
/// The host puts one observer in front of the server's own pipeline: it counts response bytes and prediction calls.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _bytesServed;
    private int _requestsServed;
    private int _predictCalls;

    private ServerHost(WebApplication app) => _app = app;

    /// <summary>The server's root, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Requests that reached <c>POST /v1/predict</c>.</summary>
    public int PredictCalls => Volatile.Read(ref _predictCalls);

    /// <summary>Response body bytes sent so far, from Content-Length (every static file and model download has one;
    /// the small JSON answers of /v1/predict, which have none, are not counted).</summary>
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    /// <summary>Requests answered so far.</summary>
    public int RequestsServed => Volatile.Read(ref _requestsServed);

    /// <summary>Starts the server for the model file at <paramref name="modelPath"/>.</summary>
    public static async Task<ServerHost> StartAsync(string modelPath)
    {
        string[] args =
        [
            "--contentRoot", Path.Combine(TestPaths.RepoRoot, "src", "Mnist.Server"),
            "--urls", "http://127.0.0.1:0",
            "--model", modelPath,
            "--Logging:LogLevel:Default", "Warning",
            // The accuracy tests send thousands of drawings from one address; a person never would.
            "--Mnist:RateLimit:Enabled", "false",
        ];
        WebApplication app = MnistServer.CreateBuilder(args).Build();
        var host = new ServerHost(app);
        app.Use(host.ObserveAsync);
        MnistServer.Configure(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        // The model loads while the host starts; a server that is not ready (no model, a bad file) fails here,
        // not later as a page that never says ready.
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using HttpResponseMessage ready = await client.GetAsync("readyz");
        if (!ready.IsSuccessStatusCode)
        {
            string body = await ready.Content.ReadAsStringAsync();
            await host.DisposeAsync();
            throw new InvalidOperationException($"The server is not ready for {modelPath}: {(int)ready.StatusCode} {body}");
        }
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Every response so far: method, path, status, body bytes (Content-Length) and Content-Encoding.</summary>
    public IReadOnlyList<ServedResponse> Responses => [.. _responses];

    private readonly System.Collections.Concurrent.ConcurrentQueue<ServedResponse> _responses = new();

    private async Task ObserveAsync(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/v1/predict", StringComparison.Ordinal))
            Interlocked.Increment(ref _predictCalls);
        string path = context.Request.Path.Value ?? ""; // as asked: the web app's middleware rewrites / to /index.html
        await next(context);
        Interlocked.Increment(ref _requestsServed);
        Interlocked.Add(ref _bytesServed, context.Response.ContentLength ?? 0);
        _responses.Enqueue(new ServedResponse(context.Request.Method, path, context.Response.StatusCode,
            context.Response.ContentLength ?? 0, context.Response.Headers.ContentEncoding.ToString()));
    }
}

/// <summary>One response the server sent.</summary>
internal sealed record ServedResponse(string Method, string Path, int Status, long Bytes, string Encoding);
