using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mnist.Server.Serving;

namespace Mnist.Server.Observability;

/// <summary>
/// The server's metrics as <see cref="System.Diagnostics.Metrics"/> instruments on the meter <see cref="MeterName"/>:
/// requests by endpoint, method and status, request latency, micro-batch sizes, predictions, model reloads and process
/// figures. OpenTelemetry exports them (Prometheus at <c>/metrics</c>, OTLP when configured); the instrument names and
/// units are chosen so that the Prometheus names stay the ones published before (<c>mnist.predictions</c> →
/// <c>mnist_predictions_total</c>, <c>mnist.http.request.duration</c> in seconds →
/// <c>mnist_http_request_duration_seconds</c>).
/// </summary>
public sealed class ServerMetrics
{
    /// <summary>The meter every instrument of the server belongs to.</summary>
    public const string MeterName = "Mnist.Server";

    private static readonly double[] LatencyBounds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly int[] BatchBounds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Histogram<int> _batchSizes;
    private readonly Histogram<double> _queueWait;
    private long _predictions;
    private long _noDigit;
    private long _reloads;
    private long _reloadFailures;
    private long _rateLimited;
    private Func<ServedModel?>? _currentModel;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (one meter per service
    /// provider, so two servers in one process keep their figures apart).</summary>
    public ServerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("mnist.http.requests", null, "HTTP requests by route, method and status.");
        _latency = _meter.CreateHistogram("mnist.http.request.duration", "s", "Time from request start to response end, by route.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBounds });
        _batchSizes = _meter.CreateHistogram("mnist.batch.size", null, "Digits per model call (micro-batching).",
            tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBounds });
        _queueWait = _meter.CreateHistogram("mnist.batch.queue", "s", "How long a batch's first digit waited in the queue.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBounds });
        // Label-free totals are observed from plain counters: listed from the start (at 0, so a query or an alert finds
        // the series before the first event) and one Interlocked add on the hot path.
        _meter.CreateObservableCounter("mnist.predictions", () => Interlocked.Read(ref _predictions), null, "Digits classified by the model.");
        _meter.CreateObservableCounter("mnist.no_digit", () => Interlocked.Read(ref _noDigit), null, "Inputs answered \"no digit\" without a model call.");
        _meter.CreateObservableCounter("mnist.model.reloads", () => Interlocked.Read(ref _reloads), null, "Successful model reloads after the file changed.");
        _meter.CreateObservableCounter("mnist.model.reload_failures", () => Interlocked.Read(ref _reloadFailures), null, "Replacement model files rejected (the old model kept serving).");
        _meter.CreateObservableCounter("mnist.rate_limited", () => Interlocked.Read(ref _rateLimited), null, "Requests refused with 429 by the rate limiter.");
        _meter.CreateObservableGauge("mnist.model.info", ObserveModel, null, "The model being served (value 1, labelled with its name, SHA-256 and precision).");

        // The process figures under the names Prometheus clients have always used (process_resident_memory_bytes, …).
        _meter.CreateObservableGauge("process.resident_memory", static () => Environment.WorkingSet, "By", "Resident memory size in bytes.");
        _meter.CreateObservableCounter("process.cpu", static () => Environment.CpuUsage.TotalTime.TotalSeconds, "s", "Total user and system CPU time in seconds.");
        _meter.CreateObservableGauge("process.start_time", static () => ProcessStart, "s", "Start time of the process since the Unix epoch in seconds.");
        _meter.CreateObservableGauge("dotnet.gc.heap", static () => GC.GetTotalMemory(false), "By", "Bytes in the managed heap.");
        _meter.CreateObservableCounter("dotnet.gc.collections", static () => (long)GC.CollectionCount(2), null, "Garbage collections of generation 2.");
        _meter.CreateObservableGauge("dotnet.threadpool.threads", static () => ThreadPool.ThreadCount, null, "Thread-pool threads.");
    }

    private static readonly double ProcessStart = ReadProcessStart();

    private static double ReadProcessStart()
    {
        using Process p = Process.GetCurrentProcess();
        return new DateTimeOffset(p.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    /// <summary>Where the model info gauge reads the model being served (set by the model store, which records
    /// into these metrics and so cannot be a constructor argument).</summary>
    internal void ObserveModelFrom(Func<ServedModel?> currentModel) => _currentModel = currentModel;

    private IEnumerable<Measurement<int>> ObserveModel()
    {
        if (_currentModel?.Invoke() is not { } m) yield break;
        yield return new Measurement<int>(1,
            new KeyValuePair<string, object?>("name", m.Info.Name),
            new KeyValuePair<string, object?>("sha256", m.Sha256),
            new KeyValuePair<string, object?>("precision", m.Precision));
    }

    /// <summary>Records one finished HTTP request. <paramref name="endpoint"/> is a route pattern (bounded label values).</summary>
    public void RecordRequest(string endpoint, string method, int status, double seconds)
    {
        _requests.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("method", method),
            new KeyValuePair<string, object?>("status", StatusText(status)));
        _latency.Record(seconds, new KeyValuePair<string, object?>("endpoint", endpoint));
    }

    /// <summary>Records one model call of <paramref name="size"/> digits whose first digit waited <paramref name="queueSeconds"/>.</summary>
    public void RecordBatch(int size, double queueSeconds)
    {
        _batchSizes.Record(size);
        _queueWait.Record(queueSeconds);
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

    // Status codes as label values without allocating a string per request.
    private static readonly string[] StatusTexts = Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string StatusText(int status) => (uint)status < (uint)StatusTexts.Length ? StatusTexts[status] : "other";
}
