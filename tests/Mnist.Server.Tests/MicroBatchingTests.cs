using System.Globalization;
using System.Text;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>The micro-batcher under concurrent load: batches of more than one digit form, and each request gets the
/// answer for its own digit out of the batch.</summary>
public class MicroBatchingTests
{
    private const int Digits = 64, Rounds = 4;

    [Fact]
    public async Task ConcurrentRequestsFormBatchesLargerThanOne_AndEachGetsItsOwnAnswer()
    {
        using var factory = new MnistServerFactory(TestModels.PrivateCopy(TestModels.TrainedLenetPath));
        using HttpClient client = factory.CreateClient();

        // One at a time, every digit is a batch of one: the reference answers.
        var alone = new float[Digits][];
        for (int i = 0; i < Digits; i++) alone[i] = await PredictAsync(client, i);
        (long batchesBefore, long singlesBefore) = await BatchCountsAsync(client);

        for (int round = 0; round < Rounds; round++)
        {
            float[][] together = await Task.WhenAll(Enumerable.Range(0, Digits).Select(i => Task.Run(() => PredictAsync(client, i))));
            for (int i = 0; i < Digits; i++)
            {
                // A batched answer handed to the wrong request would be another digit's probabilities: far apart.
                for (int k = 0; k < 10; k++)
                    Assert.True(Math.Abs(together[i][k] - alone[i][k]) <= 1e-4,
                        $"round {round}, digit {i}: p[{k}] = {together[i][k]} under load, {alone[i][k]} alone");
            }
        }

        (long batches, long singles) = await BatchCountsAsync(client);
        long multi = (batches - batchesBefore) - (singles - singlesBefore);
        Assert.True(multi > 0, $"{Rounds}×{Digits} concurrent requests ran in {batches - batchesBefore} model calls, none with more than one digit");
    }

    private static async Task<float[]> PredictAsync(HttpClient client, int index)
    {
        using var body = new StringContent(TestImages.PixelsJson(index), Encoding.UTF8, "application/json");
        JsonElement r = await HttpAssert.JsonAsync(await client.PostAsync("/v1/predict", body));
        return [.. r.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle())];
    }

    /// <summary>From <c>/metrics</c>: model calls in all, and those with a single digit (the histogram's le="1" bucket).</summary>
    private static async Task<(long Batches, long Singles)> BatchCountsAsync(HttpClient client)
    {
        string metrics = await client.GetStringAsync("/metrics");
        long Value(string name, params (string, string)[] labels) =>
            (long)(PrometheusScrape.Value(metrics, name, labels) ?? throw new InvalidOperationException($"{name} missing from /metrics"));
        return (Value("mnist_batch_size_count"), Value("mnist_batch_size_bucket", ("le", "1")));
    }
}
