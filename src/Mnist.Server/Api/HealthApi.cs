using Microsoft.AspNetCore.Http.HttpResults;
using Mnist.Server.Observability;
using Mnist.Server.Serving;

namespace Mnist.Server.Api;

/// <summary>Liveness (<c>/healthz</c>), readiness (<c>/readyz</c>) and Prometheus metrics (<c>/metrics</c>).</summary>
public static class HealthApi
{
    /// <summary>Maps the operational endpoints.</summary>
    /// <param name="app">The application.</param>
    /// <param name="metricsPath">Where the metrics are served; empty: not at all (<c>Mnist:MetricsPath</c>).</param>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app, string metricsPath = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(metricsPath);
        ArgumentNullException.ThrowIfNull(app);
        RouteGroupBuilder ops = app.MapGroup("").WithTags("Operations");
        ops.MapGet("/healthz", Live).WithName("Healthz").WithSummary("Liveness: the process answers");
        ops.MapGet("/readyz", Ready).WithName("Readyz").WithSummary("Readiness: a model is loaded (503 until then)")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        if (metricsPath.Length > 0)
            ops.MapGet(metricsPath, Metrics).WithName("Metrics").WithSummary("Prometheus metrics (text format 0.0.4)")
                .Produces(StatusCodes.Status200OK, contentType: "text/plain");
        return app;
    }

    /// <summary>Always ok while the process serves requests.</summary>
    public static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse("ok"));

    /// <summary>Ready when a model is loaded.</summary>
    public static Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>> Ready(ModelStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Current is { } m
            ? TypedResults.Ok(new HealthResponse("ready", m.Info.Name))
            : TypedResults.Json(new HealthResponse("not_ready", null, store.PublicError ?? "No model is loaded yet."), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Prometheus metrics (text format 0.0.4).</summary>
    public static ContentHttpResult Metrics(ServerMetrics metrics, ModelStore store)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(store);
        ServedModel? m = store.Current;
        return TypedResults.Text(metrics.Write(m?.Info.Name, m?.Sha256, m?.Precision), ServerMetrics.ContentType);
    }
}
