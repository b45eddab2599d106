using System.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mnist.Server.Observability;

/// <summary>
/// OpenTelemetry wiring: the server's meter exported for Prometheus (<c>Mnist:MetricsPath</c>),
/// and traces of a prediction — the request (ASP.NET Core), the micro-batch it joined (<c>mnist.batch</c>, linked to
/// every request in it) and the model call (<c>mnist.model</c>) — sent over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names a collector. Without a collector no trace is recorded at all.
/// </summary>
public static class Telemetry
{
    /// <summary>The source of the server's own spans.</summary>
    public const string ActivitySourceName = "Mnist.Server";

    /// <summary>The environment variable (OpenTelemetry's standard one) that turns trace export on.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    /// <summary>Registers the meter provider (Prometheus exporter) and, with a collector configured, the tracer provider.</summary>
    public static void AddServerTelemetry(this IServiceCollection services)
    {
        OpenTelemetry.OpenTelemetryBuilder otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("mnist-server", serviceVersion: typeof(Telemetry).Assembly.GetName().Version?.ToString()));
        // A scrape shows the figures of that moment: the exporter's default 300 ms response cache made a scrape
        // right after a reload report the old count.
        otel.WithMetrics(m => m.AddMeter(ServerMetrics.MeterName).AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        // Meters are found by name across the process; this server's are the ones its own factory made. Without the
        // filter, two servers in one process (tests, a host with two apps) would add up each other's counts.
        services.ConfigureOpenTelemetryMeterProvider((sp, b) =>
        {
            var own = sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
            b.AddView(i => ReferenceEquals(i.Meter.Scope, own) ? null : MetricStreamConfiguration.Drop);
        });
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable)))
            otel.WithTracing(t => t.AddSource(ActivitySourceName).AddAspNetCoreInstrumentation().AddOtlpExporter());
    }
}
