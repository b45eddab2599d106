using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mnist.Server.Hosting;
using Mnist.Server.Serving;

namespace Mnist.Server.Observability;

/// <summary>Readiness: a model is loaded and the server is not draining for shutdown. Registered with ASP.NET Core's
/// health checks under the tag <see cref="ReadyTag"/>, which <c>/readyz</c> runs (with any check a host adds under
/// the same tag).</summary>
public sealed class ModelHealthCheck(ModelStore store, ShutdownDrain drain) : IHealthCheck
{
    /// <summary>The tag of the checks behind <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The tag of the checks behind <c>/healthz</c> (none of the server's own: the process answering is the test).</summary>
    public const string LiveTag = "live";

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (drain.Draining) return Task.FromResult(HealthCheckResult.Unhealthy("The server is shutting down."));
        return Task.FromResult(store.Current is { } m
            ? HealthCheckResult.Healthy(m.Info.Name)
            : HealthCheckResult.Unhealthy(store.PublicError ?? "No model is loaded yet."));
    }
}
