using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mnist.Server.Observability;

/// <summary>
/// The server's metrics in Prometheus text exposition format 0.0.4: requests by endpoint, method and status,
/// request latency, micro-batch sizes, predictions, model reloads and process figures. Recording is lock-free
/// (Interlocked counters); <see cref="Write"/> renders a snapshot.
/// </summary>
public sealed class ServerMetrics
{
    /// <summary>The content type of <see cref="Write"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] LatencyBounds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] BatchBounds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private readonly ConcurrentDictionary<(string Endpoint, string Method, int Status), StrongBox> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new(StringComparer.Ordinal);
    private readonly Histogram _batchSizes = new(BatchBounds);
    private readonly Histogram _queueWait = new(LatencyBounds);
    private long _predictions;
    private long _noDigit;
    private long _reloads;
    private long _reloadFailures;
    private long _rateLimited;

    /// <summary>Records one finished HTTP request. <paramref name="endpoint"/> is a route pattern (bounded label values).</summary>
    public void RecordRequest(string endpoint, string method, int status, double seconds)
    {
        _requests.GetOrAdd((endpoint, method, status), static _ => new StrongBox()).Increment();
        _latency.GetOrAdd(endpoint, static _ => new Histogram(LatencyBounds)).Observe(seconds);
    }

    /// <summary>Records one model call of <paramref name="size"/> digits whose first digit waited <paramref name="queueSeconds"/>.</summary>
    public void RecordBatch(int size, double queueSeconds)
    {
        _batchSizes.Observe(size);
        _queueWait.Observe(queueSeconds);
        Interlocked.Add(ref _predictions, size);
    }

    /// <summary>Records an input answered "no digit" without a model call.</summary>
    public void RecordNoDigit() => Interlocked.Increment(ref _noDigit);

    /// <summary>Records a model reload attempt.</summary>
    public void RecordReload(bool success)
    {
        if (success) Interlocked.Increment(ref _reloads);
        else Interlocked.Increment(ref _reloadFailures);
    }

    /// <summary>Records a request refused by the rate limiter.</summary>
    public void RecordRateLimited() => Interlocked.Increment(ref _rateLimited);

    /// <summary>Digits classified so far.</summary>
    public long Predictions => Interlocked.Read(ref _predictions);

    /// <summary>Successful reloads so far.</summary>
    public long Reloads => Interlocked.Read(ref _reloads);

    /// <summary>Rejected reloads so far.</summary>
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>Renders every metric; <paramref name="modelName"/>, <paramref name="modelSha256"/> and
    /// <paramref name="precision"/> (<c>float</c> or <c>int8</c>) label the model info gauge.</summary>
    public string Write(string? modelName, string? modelSha256, string? precision = null)
    {
        var sb = new StringBuilder(8192);
        sb.Append("# HELP mnist_http_requests_total HTTP requests by route, method and status.\n# TYPE mnist_http_requests_total counter\n");
        foreach (var ((endpoint, method, status), box) in _requests.OrderBy(k => k.Key.Endpoint, StringComparer.Ordinal).ThenBy(k => k.Key.Status))
            sb.Append(CultureInfo.InvariantCulture, $"mnist_http_requests_total{{endpoint=\"{Escape(endpoint)}\",method=\"{method}\",status=\"{status}\"}} {box.Value}\n");

        sb.Append("# HELP mnist_http_request_duration_seconds Time from request start to response end, by route.\n# TYPE mnist_http_request_duration_seconds histogram\n");
        foreach (var (endpoint, h) in _latency.OrderBy(k => k.Key, StringComparer.Ordinal))
            h.Write(sb, "mnist_http_request_duration_seconds", $"endpoint=\"{Escape(endpoint)}\"");

        sb.Append("# HELP mnist_batch_size Digits per model call (micro-batching).\n# TYPE mnist_batch_size histogram\n");
        _batchSizes.Write(sb, "mnist_batch_size", "");
        sb.Append("# HELP mnist_batch_queue_seconds How long a batch's first digit waited in the queue.\n# TYPE mnist_batch_queue_seconds histogram\n");
        _queueWait.Write(sb, "mnist_batch_queue_seconds", "");

        Counter(sb, "mnist_predictions_total", "Digits classified by the model.", Predictions);
        Counter(sb, "mnist_no_digit_total", "Inputs answered \"no digit\" without a model call.", Interlocked.Read(ref _noDigit));
        Counter(sb, "mnist_model_reloads_total", "Successful model reloads after the file changed.", Reloads);
        Counter(sb, "mnist_model_reload_failures_total", "Replacement model files rejected (the old model kept serving).", ReloadFailures);
        Counter(sb, "mnist_rate_limited_total", "Requests refused with 429 by the rate limiter.", Interlocked.Read(ref _rateLimited));

        sb.Append("# HELP mnist_model_info The model being served.\n# TYPE mnist_model_info gauge\n");
        if (modelName is not null)
            sb.Append(CultureInfo.InvariantCulture, $"mnist_model_info{{name=\"{Escape(modelName)}\",sha256=\"{modelSha256}\",precision=\"{precision ?? "float"}\"}} 1\n");

        using Process p = Process.GetCurrentProcess();
        Gauge(sb, "process_resident_memory_bytes", "Resident memory size in bytes.", p.WorkingSet64);
        Gauge(sb, "process_cpu_seconds_total", "Total user and system CPU time in seconds.", p.TotalProcessorTime.TotalSeconds, "counter");
        Gauge(sb, "process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.", new DateTimeOffset(p.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        Gauge(sb, "dotnet_gc_heap_bytes", "Bytes in the managed heap.", GC.GetTotalMemory(false));
        Gauge(sb, "dotnet_gc_collections_total", "Garbage collections of generation 2.", GC.CollectionCount(2), "counter");
        Gauge(sb, "dotnet_threadpool_threads", "Thread-pool threads.", ThreadPool.ThreadCount);
        return sb.ToString();
    }

    private static void Counter(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    private static void Gauge(StringBuilder sb, string name, string help, double value, string type = "gauge") =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value.ToString("R", CultureInfo.InvariantCulture)}\n");

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class StrongBox
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
    }
}
