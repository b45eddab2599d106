using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Mnist.Engine.Preprocessing;
using Mnist.Inference;

namespace Mnist.TestSupport;

/// <summary>
/// A scriptable fake of Mnist.Server for the SDK's tests: Kestrel on 127.0.0.1 (a free port) with
/// <c>POST /v1/predict</c> for strokes through Mnist.Inference's <see cref="DigitPipeline"/> (the same code the
/// server uses) and <c>GET /v1/models/current.onnx</c> with an ETag, in the wire format of docs/design.md. What the real
/// server cannot be told to do is what it is for: fail the next N requests, answer slowly, swap or break the model
/// file at once. (The end-to-end tests run the real server: tests/Mnist.E2E/TestSupport/ServerHost.cs.)
/// </summary>
internal sealed class StandInServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private DigitPipeline _pipeline;
    private byte[] _model;
    private string _etag;
    private int _failures;
    private HttpStatusCode _failureStatus;
    private int _predictCalls;
    private long _bytesServed;
    private int _requestsServed;

    private StandInServer(WebApplication app, byte[] model)
    {
        _app = app;
        _model = model;
        _etag = ETagOf(model);
        _pipeline = new DigitPipeline(OnnxDigitClassifier.Load(model, fallbackName: "test"));
    }

    /// <summary>The server's root, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The model's current ETag (quoted).</summary>
    public string ETag => Volatile.Read(ref _etag);

    /// <summary>Requests that reached <c>/v1/predict</c> (including injected failures).</summary>
    public int PredictCalls => Volatile.Read(ref _predictCalls);

    /// <summary>Response body bytes served so far (from Content-Length; every static file and model response has one).</summary>
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    /// <summary>Requests answered so far.</summary>
    public int RequestsServed => Volatile.Read(ref _requestsServed);

    /// <summary>Starts a server for the model file at <paramref name="modelPath"/>.</summary>
    public static async Task<StandInServer> StartAsync(string modelPath)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = TestPaths.RepoRoot });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var server = new StandInServer(app, await File.ReadAllBytesAsync(modelPath));
        server.Map();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>Replaces the model (a new ETag; later downloads get the new file).</summary>
    public void SetModel(byte[] model)
    {
        DigitPipeline old = Interlocked.Exchange(ref _pipeline, new DigitPipeline(OnnxDigitClassifier.Load(model, fallbackName: "test")));
        Volatile.Write(ref _model, model);
        Volatile.Write(ref _etag, ETagOf(model));
        old.Dispose();
    }

    /// <summary>Serves <paramref name="bytes"/> as the model file without loading it (a broken download), with
    /// their own ETag or, to play an altered body, <paramref name="etag"/>.</summary>
    public void SetModelBytesUnchecked(byte[] bytes, string? etag = null)
    {
        Volatile.Write(ref _model, bytes);
        Volatile.Write(ref _etag, etag ?? ETagOf(bytes));
    }

    /// <summary>When set, a model download sends half the body and then stalls this long (body-timeout tests).</summary>
    public TimeSpan ModelBodyStall { get; set; }

    /// <summary>The next <paramref name="count"/> predict requests fail with <paramref name="status"/> (transient-failure tests).</summary>
    public void FailNext(int count, HttpStatusCode status = HttpStatusCode.ServiceUnavailable)
    {
        _failureStatus = status;
        Volatile.Write(ref _failures, count);
    }

    /// <summary>Delay added to each predict request (timeout tests).</summary>
    public TimeSpan PredictDelay { get; set; }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _pipeline.Dispose();
    }

    // As the real server: the ETag is the file's full SHA-256, which the SDK checks the body against.
    private static string ETagOf(byte[] model) => $"\"{Convert.ToHexStringLower(SHA256.HashData(model))}\"";

    private void Map()
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript";
        types.Mappings[".wasm"] = "application/wasm";
        types.Mappings[".webmanifest"] = "application/manifest+json";
        _app.Use(async (context, next) =>
        {
            await next(context);
            Interlocked.Increment(ref _requestsServed);
            Interlocked.Add(ref _bytesServed, context.Response.ContentLength ?? 0);
        });
        var files = new PhysicalFileProvider(TestPaths.WebRoot);
        _app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        _app.UseStaticFiles(new StaticFileOptions { FileProvider = files, ContentTypeProvider = types });

        _app.MapGet("/v1/models/current.onnx", (HttpContext context) =>
        {
            byte[] model = Volatile.Read(ref _model);
            string etag = ETag;
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = "no-cache";
            if (context.Request.Headers.IfNoneMatch.Contains(etag)) return Results.StatusCode(StatusCodes.Status304NotModified);
            if (ModelBodyStall > TimeSpan.Zero)
            {
                TimeSpan stall = ModelBodyStall;
                return Results.Stream(async body =>
                {
                    await body.WriteAsync(model.AsMemory(0, model.Length / 2));
                    await body.FlushAsync();
                    await Task.Delay(stall);
                    await body.WriteAsync(model.AsMemory(model.Length / 2));
                }, "application/octet-stream");
            }
            return Results.Bytes(model, "application/octet-stream");
        });

        _app.MapPost("/v1/predict", async (HttpContext context) =>
        {
            Interlocked.Increment(ref _predictCalls);
            if (PredictDelay > TimeSpan.Zero) await Task.Delay(PredictDelay, context.RequestAborted);
            if (Interlocked.Decrement(ref _failures) >= 0)
                return Results.Problem(statusCode: (int)_failureStatus, title: "Injected failure");
            var clock = Stopwatch.StartNew();
            List<IReadOnlyList<StrokePoint>> strokes;
            try
            {
                using JsonDocument doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                strokes = doc.RootElement.GetProperty("strokes").EnumerateArray()
                    .Select(s => (IReadOnlyList<StrokePoint>)s.EnumerateArray().Select(p => new StrokePoint(p[0].GetSingle(), p[1].GetSingle())).ToArray())
                    .ToList();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
            {
                return Results.Problem(statusCode: 400, title: "Bad strokes", detail: e.Message);
            }
            DigitPipeline pipeline = Volatile.Read(ref _pipeline);
            Recognition r;
            try
            {
                r = pipeline.RecognizeStrokes(strokes);
            }
            catch (ArgumentException e)
            {
                return Results.Problem(statusCode: 422, title: "Invalid strokes", detail: e.Message);
            }
            return Results.Json(new
            {
                digit = r.Digit,
                confidence = r.Confidence,
                probabilities = r.Probabilities,
                model = pipeline.Model.Name,
                elapsed_ms = clock.Elapsed.TotalMilliseconds,
            });
        });
    }
}
