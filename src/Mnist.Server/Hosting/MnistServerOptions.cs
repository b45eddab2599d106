namespace Mnist.Server.Hosting;

/// <summary>Settings of the server: configuration section <c>Mnist</c> (appsettings.json, environment variables
/// <c>Mnist__ModelPath</c>, or command-line switches such as <c>--model</c> and <c>--engine</c>).</summary>
public sealed class MnistServerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Mnist";

    /// <summary>The ONNX model file; relative paths are searched upwards from the content root, the current
    /// directory and the app's directory. Default <c>models/mnist.onnx</c>.</summary>
    public string ModelPath { get; set; } = Path.Combine("models", "mnist.onnx");

    /// <summary><c>onnxruntime</c> (default) or <c>managed</c> (the project's own engine).</summary>
    public string Engine { get; set; } = "onnxruntime";

    /// <summary>Which version of the model runs the predictions: <c>auto</c> (default) runs the int8 companion
    /// <c>NAME.int8.onnx</c> when it sits beside <see cref="ModelPath"/> and its model card's <c>quantized_from</c>
    /// names the float file's SHA-256, else the float file; <c>float</c> always runs the float file; <c>int8</c>
    /// requires a matching companion and rejects the model without one. The float file stays the served model
    /// (model card, downloads, TFLite) either way.</summary>
    public string Precision { get; set; } = "auto";

    /// <summary>ONNX Runtime intra-op threads for one batch run (default 1: one batch per core, no spinning pool).</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Model instances of the managed engine, i.e. batches that can run at once (default: the core count).</summary>
    public int ManagedInstances { get; set; } = Environment.ProcessorCount;

    /// <summary>Micro-batching.</summary>
    public BatchingOptions Batching { get; set; } = new();

    /// <summary>Request limits.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>Rate limiting per client address.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Addresses of reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed
    /// (default none). Behind a proxy every request comes from the proxy's address, so without this the per-client
    /// rate limit is one bucket for all clients; with it, the limit keys on the client address the proxy reports.
    /// Only list proxies you run: anyone else could claim any address.</summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Origins allowed to call the API from browsers (CORS). Empty: same origin only; <c>*</c>: any.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Where Prometheus metrics are served (default <c>/metrics</c>); empty disables the endpoint. Metrics show
    /// traffic and model details, so a public deployment moves them to an unguessable path or disables them and
    /// scrapes through a proxy that allows only the monitoring network.</summary>
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>Seconds between the shutdown signal and the web server's stop, during which <c>/readyz</c> answers
    /// 503 while requests are still served (default 0). Behind a load balancer set it to a little more than the
    /// balancer's health-check interval times its failure count, so it stops routing here first.</summary>
    public double DrainSeconds { get; set; }

    /// <summary>Seconds between checks of the model file when file-system events are missed (0 disables polling).</summary>
    public double ReloadPollSeconds { get; set; } = 2;

    /// <summary>Checks the settings; the message names the bad one.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath)) throw new ArgumentException("Mnist:ModelPath is empty.");
        if (Engine is not ("onnxruntime" or "onnx" or "managed")) throw new ArgumentException($"Mnist:Engine must be onnxruntime or managed; got '{Engine}'.");
        if (Precision is not ("auto" or "float" or "int8")) throw new ArgumentException($"Mnist:Precision must be auto, float or int8; got '{Precision}'.");
        if (Precision == "int8" && Engine == "managed") throw new ArgumentException("Mnist:Precision int8 needs ONNX Runtime: the managed engine runs float models only.");
        if (IntraOpThreads is < 1 or > 64) throw new ArgumentException($"Mnist:IntraOpThreads must be 1..64; got {IntraOpThreads}.");
        if (ManagedInstances is < 1 or > 64) throw new ArgumentException($"Mnist:ManagedInstances must be 1..64; got {ManagedInstances}.");
        if (DrainSeconds is < 0 or > 25) throw new ArgumentException($"Mnist:DrainSeconds must be 0..25 (the host stops waiting after 30 s); got {DrainSeconds}.");
        if (ReloadPollSeconds < 0) throw new ArgumentException($"Mnist:ReloadPollSeconds must be ≥ 0; got {ReloadPollSeconds}.");
        if (MetricsPath.Length > 0 && (!MetricsPath.StartsWith('/') || MetricsPath.Length == 1))
            throw new ArgumentException($"Mnist:MetricsPath must be empty or a path such as /metrics; got '{MetricsPath}'.");
        foreach (string proxy in TrustedProxies)
            if (!System.Net.IPAddress.TryParse(proxy, out _)) throw new ArgumentException($"Mnist:TrustedProxies: '{proxy}' is not an IP address.");
        Batching.Validate();
        Limits.Validate();
        RateLimit.Validate();
    }
}

/// <summary>Dynamic micro-batching: concurrent requests' digits are classified together.</summary>
public sealed class BatchingOptions
{
    /// <summary>Largest batch given to the model (default 64).</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>How long a partly filled batch may wait for more digits, in microseconds (default 1000). The wait
    /// happens only while the server is busy (the previous batch held more than one digit), so a lone request is
    /// never delayed.</summary>
    public int MaxDelayMicroseconds { get; set; } = 1000;

    /// <summary>Batches that may run at the same time (default: the core count).</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Digits that may wait in the queue; beyond that requests are refused with 503 (default 10,000).</summary>
    public int QueueCapacity { get; set; } = 10_000;

    internal void Validate()
    {
        if (MaxBatchSize is < 1 or > 4096) throw new ArgumentException($"Mnist:Batching:MaxBatchSize must be 1..4096; got {MaxBatchSize}.");
        if (MaxDelayMicroseconds is < 0 or > 1_000_000) throw new ArgumentException($"Mnist:Batching:MaxDelayMicroseconds must be 0..1000000; got {MaxDelayMicroseconds}.");
        if (Workers is < 1 or > 64) throw new ArgumentException($"Mnist:Batching:Workers must be 1..64; got {Workers}.");
        if (QueueCapacity < 1) throw new ArgumentException($"Mnist:Batching:QueueCapacity must be ≥ 1; got {QueueCapacity}.");
    }
}

/// <summary>Request limits. Every limit answers with a 4xx problem, never a 500.</summary>
public sealed class LimitOptions
{
    /// <summary>Largest image body or upload in bytes (default 10 MB).</summary>
    public int MaxImageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest JSON body in bytes (default 4 MB).</summary>
    public int MaxJsonBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest image width or height in pixels (default 8192).</summary>
    public int MaxImageSide { get; set; } = 8192;

    /// <summary>Largest image area in pixels (default 16,777,216 = 4096², checked from the header before decoding).
    /// PNG, BMP and GIF decode whole into a native buffer of 4 bytes per pixel, so this bounds one decode to 64 MB and
    /// about 0.3 s of CPU; a 12-megapixel phone photo still passes. (At 40,000,000 a 4.9 KB PNG declaring 8192×4882
    /// cost 671 ms and 160 MB per request.)</summary>
    public long MaxImagePixels { get; set; } = 16_777_216;

    /// <summary>Images decoded at the same time (default 0: the core count). Further image requests wait (within
    /// the request timeout), so decode memory stays below this many times the per-image bound.</summary>
    public int MaxConcurrentDecodes { get; set; }

    /// <summary>Most strokes in one drawing (default 200).</summary>
    public int MaxStrokes { get; set; } = 200;

    /// <summary>Most points in one drawing, all strokes together (default 20,000).</summary>
    public int MaxPoints { get; set; } = 20_000;

    /// <summary>Most items in one batch request (default 256).</summary>
    public int MaxBatchItems { get; set; } = 256;

    /// <summary>Seconds a prediction request may take, body upload included (default 30).</summary>
    public double RequestTimeoutSeconds { get; set; } = 30;

    internal void Validate()
    {
        if (MaxImageBytes < 1) throw new ArgumentException($"Mnist:Limits:MaxImageBytes must be ≥ 1; got {MaxImageBytes}.");
        if (MaxJsonBytes < 16) throw new ArgumentException($"Mnist:Limits:MaxJsonBytes must be ≥ 16; got {MaxJsonBytes}.");
        if (MaxImageSide is < 28 or > 65535) throw new ArgumentException($"Mnist:Limits:MaxImageSide must be 28..65535; got {MaxImageSide}.");
        if (MaxImagePixels < 784) throw new ArgumentException($"Mnist:Limits:MaxImagePixels must be ≥ 784; got {MaxImagePixels}.");
        if (MaxConcurrentDecodes is < 0 or > 1024) throw new ArgumentException($"Mnist:Limits:MaxConcurrentDecodes must be 0..1024; got {MaxConcurrentDecodes}.");
        if (MaxStrokes is < 1 or > 1000) throw new ArgumentException($"Mnist:Limits:MaxStrokes must be 1..1000; got {MaxStrokes}.");
        if (MaxPoints is < 1 or > 100_000) throw new ArgumentException($"Mnist:Limits:MaxPoints must be 1..100000; got {MaxPoints}.");
        if (MaxBatchItems is < 1 or > 10_000) throw new ArgumentException($"Mnist:Limits:MaxBatchItems must be 1..10000; got {MaxBatchItems}.");
        if (RequestTimeoutSeconds <= 0) throw new ArgumentException($"Mnist:Limits:RequestTimeoutSeconds must be > 0; got {RequestTimeoutSeconds}.");
    }
}

/// <summary>A token bucket per client address on the prediction endpoints.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Whether rate limiting is on (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests per second each client address may sustain (default 50). A person drawing causes one or two
    /// requests per stroke; 50/s leaves room for an app reading a stream of digits or a few users behind one NAT
    /// address, while one address can no longer take the whole server (about 10,000 predictions/s on 2 cores).
    /// Load tests from one address lift it (<c>Mnist:RateLimit:Enabled=false</c>).</summary>
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Burst size: requests a client may send at once after being idle (default 100).</summary>
    public int Burst { get; set; } = 100;

    internal void Validate()
    {
        if (PermitsPerSecond < 1) throw new ArgumentException($"Mnist:RateLimit:PermitsPerSecond must be ≥ 1; got {PermitsPerSecond}.");
        if (Burst < 1) throw new ArgumentException($"Mnist:RateLimit:Burst must be ≥ 1; got {Burst}.");
    }
}
