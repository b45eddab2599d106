using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Mnist.Server.Observability;
using Mnist.Server.Serving;

namespace Mnist.Server.Api;

/// <summary><c>GET /v1/model</c> (the model card) and the model downloads for apps, with ETags.</summary>
public static class ModelApi
{
    /// <summary>Maps the model endpoints into <paramref name="v1"/>.</summary>
    public static RouteGroupBuilder MapModelApi(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapGet("/model", GetModel)
            .WithName("GetModel")
            .WithSummary("The served model: name, runtime, SHA-256, I/O, model card, and what runs the predictions (float or its int8 companion)")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        v1.MapMethods("/models/current.onnx", [HttpMethods.Get, HttpMethods.Head], GetOnnx)
            .WithName("DownloadOnnx")
            .WithSummary("Download the served model as ONNX (ETag = SHA-256 of the file; If-None-Match → 304)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified);
        v1.MapMethods("/models/current.int8.onnx", [HttpMethods.Get, HttpMethods.Head], GetInt8Onnx)
            .WithName("DownloadInt8Onnx")
            .WithSummary("Download the int8 companion that computes the server's predictions (404 when the float model does); the web app runs it on the device")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        v1.MapMethods("/models/current.tflite", [HttpMethods.Get, HttpMethods.Head], GetTfLite)
            .WithName("DownloadTfLite")
            .WithSummary("Download the served model as TensorFlow Lite, converted on first request (input [1,28,28,1] NHWC)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    /// <summary>The served model: name, runtime, SHA-256, I/O, model card, and what runs the predictions (float or its int8 companion).</summary>
    public static Results<Ok<ModelResponse>, ProblemHttpResult> GetModel(ModelStore store, ServerMetrics metrics, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(response);
        if (store.Current is not { } m) return NoModel(store);
        response.Headers.CacheControl = "no-cache";
        var info = m.Info;
        return TypedResults.Ok(new ModelResponse(
            info.Name, info.Runtime, m.Sha256, $"\"{m.Sha256}\"", m.OnnxBytes.Length, Path.GetFileName(m.Path), m.LoadedAt,
            info.InputName, info.InputLayout.ToString().ToLowerInvariant(), info.FixedBatchSize, info.OutputName, info.OutputsProbabilities,
            metrics.Reloads, info.Metadata, new ModelDownloads("/v1/models/current.onnx", "/v1/models/current.tflite"),
            new ModelInference(m.Precision, Path.GetFileName(m.Int8?.Path ?? m.Path), m.Int8?.Sha256 ?? m.Sha256, m.Int8?.Quantization, m.PrecisionReason)));
    }

    /// <summary>Download the served model as ONNX (ETag = SHA-256 of the file; If-None-Match → 304).</summary>
    public static Results<FileContentHttpResult, ProblemHttpResult> GetOnnx(ModelStore store, HttpRequest request, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Current is not { } m) return NoModel(store);
        return Download(m, m.OnnxBytes, m.Sha256, "mnist.onnx", request, response, compress: false);
    }

    /// <summary>Download the int8 companion that computes the server's predictions (404 when the float model does); the
    /// web app runs it on the device.</summary>
    public static Results<FileContentHttpResult, ProblemHttpResult> GetInt8Onnx(ModelStore store, HttpRequest request, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Current is not { } m) return NoModel(store);
        if (m.Int8 is not { } companion || m.Int8Bytes is not { } bytes)
            return Problems.NotFound($"The server predicts with the float model ({m.PrecisionReason}); download /v1/models/current.onnx.");
        return Download(m, bytes, companion.Sha256, "mnist.int8.onnx", request, response, compress: true);
    }

    /// <summary>A model file with its ETag (the file's SHA-256), revalidated on every use (<c>no-cache</c>). With
    /// <paramref name="compress"/> (the web app's int8 download), brotli-compressed when the client accepts it, under
    /// its own ETag (<c>sha-br</c>) as a different representation of the file. The float download stays as it was: its
    /// ETag is the hash SDK clients verify the bytes against, and brotli saves only 8% of float weights.</summary>
    private static FileContentHttpResult Download(ServedModel m, byte[] bytes, string sha256, string name, HttpRequest request, HttpResponse response, bool compress)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.CacheControl = "no-cache";
        if (compress) response.Headers.Vary = "Accept-Encoding";
        bool brotli = compress && request.Headers.AcceptEncoding.Any(v => v is not null && v.Contains("br", StringComparison.OrdinalIgnoreCase));
        if (brotli)
        {
            response.Headers.ContentEncoding = "br";
            bytes = m.Brotli(bytes);
            sha256 += "-br";
        }
        return TypedResults.File(bytes, "application/octet-stream", name, lastModified: m.LoadedAt, entityTag: new EntityTagHeaderValue($"\"{sha256}\""));
    }

    /// <summary>Download the served model as TensorFlow Lite, converted on first request (input [1,28,28,1] NHWC).</summary>
    public static Results<FileContentHttpResult, ProblemHttpResult> GetTfLite(ModelStore store, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(response);
        if (store.Current is not { } m) return NoModel(store);
        TfLiteConversion tflite = m.TfLite;
        if (tflite.Bytes is null) return Problems.NotFound($"The served model cannot be converted to TFLite: {tflite.Error}");
        response.Headers.CacheControl = "no-cache";
        return TypedResults.File(tflite.Bytes, "application/octet-stream", "mnist.tflite",
            lastModified: m.LoadedAt, entityTag: new EntityTagHeaderValue($"\"{m.Sha256}-tflite\""));
    }

    private static ProblemHttpResult NoModel(ModelStore store) => TypedResults.Problem(
        detail: store.PublicError is null ? "No model is loaded yet." : $"No model is loaded: {store.PublicError.TrimEnd('.')}.",
        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable");
}
