using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>Random and mutated bodies against every endpoint, in-process (TestServer): only 2xx/3xx/4xx, never a 5xx;
/// the managed heap returns near its baseline. <c>MNIST_FUZZ_COUNT</c> raises the count. <see cref="LiveFuzzTests"/>
/// sends the same corpus, plus raw framing errors, to a real Kestrel over sockets.</summary>
[Collection(TrainedServerCollection.Name)]
public class FuzzTests(TrainedServerFixture server)
{
    [Fact]
    public async Task RandomAndMutatedBodiesNeverGive5xx()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("MNIST_FUZZ_COUNT"), out int n) ? n : 2000;
        var corpus = new FuzzCorpus(12345);
        var bad = new List<string>();
        await SendAllAsync(corpus, 0, count / 10, bad); // warm-up, then measure memory
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = GC.GetTotalMemory(true);
        await SendAllAsync(corpus, count / 10, count, bad);
        Assert.True(bad.Count == 0, string.Join("\n", bad.Take(10)));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long after = GC.GetTotalMemory(true);
        Assert.True(after < baseline + 64L * 1024 * 1024, $"managed heap grew from {baseline:N0} to {after:N0} bytes");
    }

    private async Task SendAllAsync(FuzzCorpus corpus, int from, int to, List<string> bad)
    {
        await Parallel.ForEachAsync(Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            FuzzCase c = corpus.Case(i, allowRaw: false);
            using HttpRequestMessage request = c.ToRequest();
            using HttpResponseMessage r = await server.Client.SendAsync(request, ct);
            if ((int)r.StatusCode >= 500)
            {
                string text = await r.Content.ReadAsStringAsync(ct);
                lock (bad) bad.Add($"case {i}: {c} → {(int)r.StatusCode} {text}");
            }
        });
    }
}
