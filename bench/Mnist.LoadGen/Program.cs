using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mnist.LoadGen;

// mnist-loadgen: closed-loop HTTP load against the MNIST server. N workers, each with its own keep-alive connection,
// send real MNIST test digits (28x28 pixels as JSON, or PNG) back to back for a fixed time and report throughput,
// errors, latency percentiles and, with --server-pid, the server's resident memory.
var o = LoadOptions.Parse(args);
if (o is null) return 2;

byte[][] bodies = Bodies.Load(o.Body, o.MnistDir, 1000);
string contentType = o.Body == "png" ? "image/png" : "application/json";
var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = o.Connections,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    AutomaticDecompression = DecompressionMethods.None,
    UseProxy = false,
};
using var client = new HttpClient(handler) { BaseAddress = new Uri(o.Url), Timeout = TimeSpan.FromSeconds(30) };
var target = new Uri(o.Path, UriKind.Relative);

// Warm-up: connections opened, JIT and model warm, not measured.
await RunAsync(TimeSpan.FromSeconds(o.WarmupSeconds), record: false);
var inv = CultureInfo.InvariantCulture;
int? serverPid = null;
if (o.ServerPid is not null || o.ServerAuto)
{
    if (ServerProcess.Resolve(o.ServerPid, new Uri(o.Url).Port) is { } found)
    {
        serverPid = found.Pid;
        Console.WriteLine(string.Create(inv, $"server_pid={found.Pid} ({found.How}): {ServerProcess.Describe(found.Pid)}"));
    }
    else
    {
        Console.Error.WriteLine($"warning: no server process found ({(o.ServerAuto ? "auto" : $"PID {o.ServerPid}")}); memory is not sampled.");
    }
}
var rss = new RssSampler(serverPid, o.RssEverySeconds);
PrintSeriesPoint(rss.Sample());
using var sampling = new Timer(_ => PrintSeriesPoint(rss.Sample()), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
var sw = Stopwatch.StartNew();
Result r = await RunAsync(TimeSpan.FromSeconds(o.DurationSeconds), record: true);
double seconds = sw.Elapsed.TotalSeconds;
await sampling.DisposeAsync();
PrintSeriesPoint(rss.Sample());
rss.CloseSeries();

long[] lat = r.Latencies;
Array.Sort(lat);
double P(double q) => lat.Length == 0 ? double.NaN : lat[Math.Min(lat.Length - 1, (int)(q * lat.Length))] * 1000.0 / Stopwatch.Frequency;
Console.WriteLine(string.Create(inv,
    $"url={o.Url}{o.Path} body={o.Body} connections={o.Connections} duration={seconds:F1}s"));
Console.WriteLine(string.Create(inv,
    $"requests={r.Ok + r.Errors} ok={r.Ok} errors={r.Errors} requests_per_s={r.Ok / seconds:F0} predictions_per_s={r.Ok * o.ItemsPerRequest / seconds:F0}"));
Console.WriteLine(string.Create(inv,
    $"latency_ms p50={P(0.50):F3} p90={P(0.90):F3} p99={P(0.99):F3} max={P(1.0):F3}"));
if (rss.Count > 0)
    Console.WriteLine(string.Create(inv,
        $"server_rss_mb start={rss.First / 1024.0:F1} end={rss.Last / 1024.0:F1} min={rss.Min / 1024.0:F1} max={rss.Max / 1024.0:F1} samples={rss.Count}"));
if (rss.Count > 0)
    Console.WriteLine(string.Create(inv,
        $"server_rss_change_pct min={100.0 * (rss.Min - rss.First) / rss.First:+0.0;-0.0;0.0} max={100.0 * (rss.Max - rss.First) / rss.First:+0.0;-0.0;0.0} end={100.0 * (rss.Last - rss.First) / rss.First:+0.0;-0.0;0.0}"));
if (rss.Series.Count > 0)
    Console.WriteLine("server_rss_series_mb " + string.Join(' ', rss.Series.Select(p => string.Create(inv, $"{p.Seconds:F0}s:{p.Kb / 1024.0:F1}"))));
foreach (var (status, n) in r.ErrorKinds.OrderByDescending(k => k.Value).Take(5)) Console.WriteLine($"error {status}: {n}");
foreach (var (model, tally) in r.Models.OrderBy(m => m.Value.First))
    Console.WriteLine(string.Create(inv, $"model {model}: {tally.Count} answers, first at {tally.First:F1} s, last at {tally.Last:F1} s"));
return r.Errors == 0 ? 0 : 1;

void PrintSeriesPoint((double Seconds, long Kb)? point)
{
    if (point is { } p) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rss t={p.Seconds:F0}s mb={p.Kb / 1024.0:F1}"));
}

async Task<Result> RunAsync(TimeSpan duration, bool record)
{
    var result = new Result();
    long start = Stopwatch.GetTimestamp();
    long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    // The stop file ends the run by moving its end to now.
    using Timer? watch = record && o.StopFile is { } stopFile
        ? new Timer(_ => { if (File.Exists(stopFile)) Interlocked.Exchange(ref end, Stopwatch.GetTimestamp()); }, null, 100, 100)
        : null;
    var workers = Enumerable.Range(0, o.Connections).Select(w => Task.Run(async () =>
    {
        var latencies = new List<long>(record ? 65536 : 0);
        long ok = 0, errors = 0;
        var kinds = new Dictionary<string, long>();
        var models = new Dictionary<string, ModelTally>();
        int i = w * 7919;
        while (Stopwatch.GetTimestamp() < Interlocked.Read(ref end))
        {
            byte[] body = bodies[(i++ & int.MaxValue) % bodies.Length];
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            long t0 = Stopwatch.GetTimestamp();
            string? error = null;
            try
            {
                using HttpResponseMessage response = await client.PostAsync(target, content);
                if (o.ByModel && record && response.StatusCode == HttpStatusCode.OK)
                {
                    string model = ModelOf(await response.Content.ReadAsByteArrayAsync());
                    double at = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    if (!models.TryGetValue(model, out ModelTally? tally)) models[model] = tally = new ModelTally { First = at };
                    tally.Count++;
                    tally.Last = at;
                }
                else
                {
                    await response.Content.CopyToAsync(Stream.Null);
                }
                if (response.StatusCode != HttpStatusCode.OK) error = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                error = e.GetType().Name;
            }
            long t1 = Stopwatch.GetTimestamp();
            if (error is null)
            {
                ok++;
                if (record) latencies.Add(t1 - t0);
            }
            else
            {
                errors++;
                kinds[error] = kinds.GetValueOrDefault(error) + 1;
            }
            if (o.DelayMs > 0) await Task.Delay(o.DelayMs);
        }
        lock (result)
        {
            result.Ok += ok;
            result.Errors += errors;
            result.All.AddRange(latencies);
            foreach (var (k, v) in kinds) result.ErrorKinds[k] = result.ErrorKinds.GetValueOrDefault(k) + v;
            foreach (var (m, t) in models)
            {
                if (!result.Models.TryGetValue(m, out ModelTally? all)) result.Models[m] = all = new ModelTally { First = t.First, Last = t.Last };
                all.Count += t.Count;
                all.First = Math.Min(all.First, t.First);
                all.Last = Math.Max(all.Last, t.Last);
            }
        }
    })).ToArray();
    await Task.WhenAll(workers);
    return result;
}

// The top-level "model" of an answer ("?" when there is none).
static string ModelOf(byte[] json)
{
    var reader = new System.Text.Json.Utf8JsonReader(json);
    while (reader.Read())
    {
        if (reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("model"u8) && reader.Read())
            return reader.GetString() ?? "?";
        if (reader.TokenType is System.Text.Json.JsonTokenType.StartObject or System.Text.Json.JsonTokenType.StartArray && reader.CurrentDepth >= 1) reader.Skip();
    }
    return "?";
}

internal sealed class ModelTally
{
    public long Count;
    public double First;
    public double Last;
}

internal sealed class Result
{
    public readonly Dictionary<string, ModelTally> Models = [];
    public long Ok;
    public long Errors;
    public readonly List<long> All = [];
    public readonly Dictionary<string, long> ErrorKinds = [];
    public long[] Latencies => [.. All];
}
