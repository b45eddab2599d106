using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Mnist.Server.Hosting;
using Mnist.Server.Observability;
using Mnist.Server.Serving;

namespace Mnist.Server.Api;

/// <summary>Liveness (<c>/healthz</c>) and readiness (<c>/readyz</c>) from ASP.NET Core's health checks, and the
/// Prometheus metrics (<c>/metrics</c>) from OpenTelemetry's exporter.</summary>
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
        ops.MapGet("/healthz", Live).WithName("Healthz").WithSummary("Liveness: the process answers")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        ops.MapGet("/readyz", Ready).WithName("Readyz").WithSummary("Readiness: a model is loaded and the server is not shutting down (503 otherwise)")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        if (metricsPath.Length > 0)
            app.MapPrometheusScrapingEndpoint(metricsPath).WithName("Metrics");
        return app;
    }

    /// <summary>Ok while the process serves requests and every check tagged <see cref="ModelHealthCheck.LiveTag"/> passes.</summary>
    public static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Live(HealthCheckService health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        HealthReport report = await health.CheckHealthAsync(c => c.Tags.Contains(ModelHealthCheck.LiveTag), cancellationToken).ConfigureAwait(false);
        return report.Status != HealthStatus.Unhealthy
            ? TypedResults.Ok(new HealthResponse("ok"))
            : TypedResults.Json(new HealthResponse("unhealthy", null, FirstFailure(report)), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Ready when every check tagged <see cref="ModelHealthCheck.ReadyTag"/> passes: a model is loaded and the
    /// server is not draining.</summary>
    public static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Ready(HealthCheckService health, ModelStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(store);
        HealthReport report = await health.CheckHealthAsync(c => c.Tags.Contains(ModelHealthCheck.ReadyTag), cancellationToken).ConfigureAwait(false);
        return report.Status != HealthStatus.Unhealthy && store.Current is { } m
            ? TypedResults.Ok(new HealthResponse("ready", m.Info.Name))
            : TypedResults.Json(new HealthResponse("not_ready", null, FirstFailure(report) ?? "No model is loaded yet."), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Document transformer: the exporter's endpoint is not a minimal-API handler, so the OpenAPI document
    /// learns of it here.</summary>
    internal static Task DescribeMetrics(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(context);
        string path = context.ApplicationServices.GetRequiredService<IOptions<MnistServerOptions>>().Value.MetricsPath;
        if (path.Length == 0) return Task.CompletedTask;
        document.Paths ??= [];
        document.Paths[path] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "Metrics",
                    Summary = "Prometheus metrics (text format 0.0.4; OpenMetrics when asked for)",
                    Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "The server's metrics.",
                            Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                        },
                    },
                },
            },
        };
        return Task.CompletedTask;
    }

    private static string? FirstFailure(HealthReport report) =>
        report.Entries.Values.Where(e => e.Status == HealthStatus.Unhealthy).Select(e => e.Description ?? e.Exception?.Message).FirstOrDefault();
}
