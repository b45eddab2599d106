using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Mnist.Server.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Mnist.Server.Tests;

/// <summary>
/// The fuzz acceptance run against the real server: Kestrel on 127.0.0.1, built by <see cref="MnistServer.CreateApp"/>,
/// driven over real sockets by HttpClient and, for framing errors no client library sends, by hand-written bytes.
/// Every endpoint; 10,000 requests by default (<c>MNIST_FUZZ_COUNT</c> changes it). Passes when no response is a
/// 5xx, the server still answers <c>/healthz</c>, and the process's resident memory after a full GC is back within
/// <see cref="RssTolerance"/> of its value after the warm-up tenth of the run. The figures go to the test output.
/// </summary>
[Collection(LiveFuzzCollection.Name)]
public sealed class LiveFuzzTests(ITestOutputHelper output)
{
    /// <summary>Allowed growth of resident memory over the post-warm-up baseline (both after a full GC). Pooled
    /// buffers (Kestrel's memory pool, <c>ArrayPool</c>, ONNX Runtime's arena) may stay; a leak of the bodies would
    /// not fit: 10,000 bodies average several kB each.</summary>
    private const double RssTolerance = 0.10;

    [Fact]
    public async Task FuzzOverSocketsNeverGives5xxAndMemoryReturns()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("MNIST_FUZZ_COUNT"), out int n) ? n : 10_000;
        int warm = count / 10;
        var corpus = new FuzzCorpus(20_261);
        var serverErrors = new ErrorLogCollector();
        await using KestrelHost host = await KestrelHost.StartAsync(TestModels.PrivateCopy(TestModels.TrainedLenetPath),
            b => b.Logging.AddProvider(serverErrors));
        var log = new RunLog();

        var sw = Stopwatch.StartNew();
        // Warm-up: every endpoint once (caches such as the TFLite conversion and the OpenAPI document fill), then the
        // first tenth of the corpus.
        foreach (string path in FuzzCorpus.Paths)
        {
            using HttpResponseMessage r = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
            await r.Content.CopyToAsync(Stream.Null);
        }
        await SendAsync(host, corpus, 0, warm, log);
        long rssBaseline = ProcessMemory.ResidentAfterFullGc();
        long heapBaseline = GC.GetTotalMemory(false);
        long rssPeak = rssBaseline;
        using var sampler = new Timer(_ => InterlockedMax(ref rssPeak, ProcessMemory.ResidentBytes()), null, 0, 250);

        await SendAsync(host, corpus, warm, count, log);
        double seconds = sw.Elapsed.TotalSeconds;
        await sampler.DisposeAsync();
        long rssAfter = ProcessMemory.ResidentAfterFullGc();
        long heapAfter = GC.GetTotalMemory(false);

        using HttpResponseMessage health = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative));
        Report(log, count, seconds, rssBaseline, Volatile.Read(ref rssPeak), rssAfter, heapBaseline, heapAfter);

        Assert.True(log.Failures.IsEmpty, $"{log.Failures.Count} failures:\n" + string.Join("\n", log.Failures.Take(10))
            + "\nserver errors:\n" + string.Join("\n", serverErrors.Errors.Take(3)));
        Assert.True(serverErrors.Errors.IsEmpty, $"the server logged {serverErrors.Errors.Count} errors:\n" + string.Join("\n", serverErrors.Errors.Take(3)));
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        // The corpus reaches every endpoint, and gets past validation often enough to run the model.
        foreach (string path in FuzzCorpus.Paths) Assert.True(log.ByPath.ContainsKey(path), $"no request reached {path}");
        Assert.True(log.Count("/v1/predict", 200) > count / 100, "too few fuzz bodies were valid predictions");
        Assert.True(log.Count("/mnist", 200) > 0, "no fuzzed Flask upload was accepted");
        Assert.True(rssAfter <= rssBaseline * (1 + RssTolerance),
            $"resident memory after the run and a full GC is {Mb(rssAfter)} MB, over {RssTolerance:P0} above the post-warm-up {Mb(rssBaseline)} MB");
    }

    private static async Task SendAsync(KestrelHost host, FuzzCorpus corpus, int from, int to, RunLog log)
    {
        // Eight requests through HttpClient at a time; raw cases mostly wait (for a silent server, see RawHttp.Idle),
        // so up to 24 more of them run beside.
        using var http = new SemaphoreSlim(8);
        await Parallel.ForEachAsync(Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            FuzzCase c = corpus.Case(i, allowRaw: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            if (c.Raw is not null)
            {
                RawHttp.Outcome outcome = await RawHttp.SendAsync(host.Address, c.Raw, timeout.Token);
                log.Record(c.Path, c.Kind, outcome.Statuses.Count == 0 ? outcome.Note : null, outcome.Statuses);
                if (outcome.Statuses.Any(s => s >= 500)) log.Failures.Enqueue($"case {i}: {c} → {string.Join(",", outcome.Statuses)}");
                return;
            }
            await http.WaitAsync(timeout.Token);
            try
            {
                using HttpRequestMessage request = c.ToRequest();
                using HttpResponseMessage r = await host.Client.SendAsync(request, timeout.Token);
                string text = await r.Content.ReadAsStringAsync(timeout.Token);
                int status = (int)r.StatusCode;
                log.Record(c.Path, c.Kind, null, [status]);
                if (status >= 500) log.Failures.Enqueue($"case {i}: {c} → {status} {text[..Math.Min(text.Length, 300)]}");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                // A well-formed request must always be answered.
                log.Record(c.Path, c.Kind, e.GetType().Name, []);
                log.Failures.Enqueue($"case {i}: {c} → {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                http.Release();
            }
        });
    }

    private void Report(RunLog log, int count, double seconds, long rssBaseline, long rssPeak, long rssAfter, long heapBaseline, long heapAfter)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live fuzz: {count} requests in {seconds:F1} s ({count / seconds:F0}/s), {log.Failures.Count} failures"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"process RSS MB: after warm-up + full GC {Mb(rssBaseline)}, peak {Mb(rssPeak)}, after run + full GC {Mb(rssAfter)} ({100.0 * (rssAfter - rssBaseline) / rssBaseline:+0.0;-0.0}%, tolerance +{RssTolerance:P0})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"managed heap MB: after warm-up {Mb(heapBaseline)}, after run {Mb(heapAfter)}"));
        output.WriteLine("status by path: " + string.Join("; ", log.ByPath.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + " " + string.Join(" ", p.Value.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}×{s.Value}")))));
        output.WriteLine("status by kind: " + string.Join("; ", log.ByKind.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + " " + string.Join(" ", p.Value.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}×{s.Value}")))));
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>What came back, by path and by kind of case: status codes, or "reset"/"closed"/an exception name.</summary>
    private sealed class RunLog
    {
        public ConcurrentQueue<string> Failures { get; } = new();
        public ConcurrentDictionary<string, ConcurrentDictionary<string, int>> ByPath { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, ConcurrentDictionary<string, int>> ByKind { get; } = new(StringComparer.Ordinal);

        public void Record(string path, string kind, string? note, List<int> statuses)
        {
            IEnumerable<string> outcomes = statuses.Count > 0 ? statuses.Select(s => s.ToString(CultureInfo.InvariantCulture)) : [note ?? "none"];
            foreach (string o in outcomes)
            {
                ByPath.GetOrAdd(path, _ => new(StringComparer.Ordinal)).AddOrUpdate(o, 1, (_, v) => v + 1);
                ByKind.GetOrAdd(kind, _ => new(StringComparer.Ordinal)).AddOrUpdate(o, 1, (_, v) => v + 1);
            }
        }

        public int Count(string path, int status) =>
            ByPath.TryGetValue(path, out var s) ? s.GetValueOrDefault(status.ToString(CultureInfo.InvariantCulture)) : 0;
    }
}

/// <summary>The live fuzz runs alone, so that the resident memory it measures is its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveFuzzCollection
{
    public const string Name = "live fuzz";
}
