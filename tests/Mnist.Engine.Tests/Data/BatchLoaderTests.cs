using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;

namespace Mnist.Engine.Tests.Data;

public class BatchLoaderTests
{
    private static MnistDataset Synthetic(int count)
    {
        var (images, labels) = MnistTestData.Synthetic(count, seed: 11);
        return new MnistDataset(images, labels);
    }

    [Fact]
    public void Real_training_set_each_sample_exactly_once_per_epoch()
    {
        var train = MnistDataset.Load(MnistTestData.MnistFolder(), MnistSplit.Train);
        var loader = new BatchLoader(train, new BatchLoaderOptions { BatchSize = 256, Seed = 1 });
        Assert.Equal(235, loader.BatchesPerEpoch);
        var seen = new int[train.Count];
        int batches = 0;
        foreach (var batch in loader.Epoch(0))
        {
            Assert.Equal(batches++, batch.Number);
            for (int k = 0; k < batch.Count; k++)
            {
                seen[batch.Indices[k]]++;
                Assert.Equal(train.Labels[batch.Indices[k]], batch.Labels[k]);
            }
        }
        Assert.Equal(235, batches);
        Assert.All(seen, s => Assert.Equal(1, s));
    }

    [Fact]
    public void Shuffle_depends_on_seed_and_epoch_only()
    {
        var data = Synthetic(500);
        var a = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 32, Seed = 9 });
        var b = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 100, Seed = 9, Threads = 1, Prefetch = 3 });
        Assert.Equal(a.EpochOrder(3), b.EpochOrder(3));
        Assert.NotEqual(a.EpochOrder(3), a.EpochOrder(4));
        Assert.NotEqual(a.EpochOrder(3), new BatchLoader(data, new BatchLoaderOptions { Seed = 10 }).EpochOrder(3));
        Assert.Equal(Enumerable.Range(0, 500), a.EpochOrder(3).Order());
        Assert.Equal(a.EpochOrder(3), a.Epoch(3).SelectMany(x => x.Indices[..x.Count]).ToArray());
    }

    [Fact]
    public void Evaluation_path_keeps_order_and_last_partial_batch()
    {
        var data = Synthetic(250);
        var loader = BatchLoader.ForEvaluation(data, 100);
        var counts = new List<int>();
        int next = 0;
        foreach (var batch in loader.Epoch(0))
        {
            counts.Add(batch.Count);
            Assert.Equal(batch.Count * 784, batch.ImageSpan.Length);
            for (int k = 0; k < batch.Count; k++, next++)
            {
                Assert.Equal(next, batch.Indices[k]);
                Assert.Equal(data.Images[next * 784 + 400] / 255f, batch.Images[k * 784 + 400]);
            }
        }
        Assert.Equal([100, 100, 50], counts);
    }

    [Fact]
    public void Drop_last_skips_the_partial_batch()
    {
        var loader = new BatchLoader(Synthetic(250), new BatchLoaderOptions { BatchSize = 100, DropLast = true });
        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal(200, loader.SamplesPerEpoch);
        Assert.Equal([100, 100], loader.Epoch(0).Select(b => b.Count));
    }

    [Fact]
    public void Augmented_batches_do_not_depend_on_threads_or_prefetch()
    {
        var data = Synthetic(300);
        float[] Run(int threads, int prefetch)
        {
            var loader = new BatchLoader(data, new BatchLoaderOptions
            {
                BatchSize = 64, Seed = 4, Augmentation = AugmentationOptions.Default, Threads = threads, Prefetch = prefetch,
            });
            return [.. loader.Epoch(1).SelectMany(b => b.Images[..(b.Count * 784)])];
        }
        float[] reference = Run(1, 1);
        Assert.Equal(reference, Run(2, 1));
        Assert.Equal(reference, Run(4, 3));
    }

    [Fact]
    public void Batches_are_pooled_and_breaking_out_stops_the_producer()
    {
        var loader = new BatchLoader(Synthetic(1000), new BatchLoaderOptions { BatchSize = 10, Prefetch = 2 });
        var distinct = new HashSet<Batch>(ReferenceEqualityComparer.Instance);
        int n = 0;
        foreach (var batch in loader.Epoch(0))
        {
            distinct.Add(batch);
            if (++n == 30) break;
        }
        Assert.InRange(distinct.Count, 1, 4); // Prefetch + 2 buffers rotate
    }

    [Fact]
    public void Cancellation_stops_the_epoch()
    {
        var loader = new BatchLoader(Synthetic(1000), new BatchLoaderOptions { BatchSize = 10 });
        using var cts = new CancellationTokenSource();
        using var e = loader.Epoch(0, cts.Token).GetEnumerator();
        Assert.True(e.MoveNext());
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            while (e.MoveNext())
            {
            }
        });
    }
}
