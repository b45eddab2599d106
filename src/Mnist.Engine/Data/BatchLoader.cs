using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Mnist.Engine.Data.Augmentation;

namespace Mnist.Engine.Data;

/// <summary>
/// Turns a <see cref="MnistDataset"/> into batches of [B,1,28,28] floats in [0,1] plus labels, one epoch
/// at a time. A background thread prepares the next batch(es) while the consumer works on the current one.
/// </summary>
/// <remarks>
/// <para>Order: with <see cref="BatchLoaderOptions.Shuffle"/>, epoch <c>e</c> visits the samples in the
/// Fisher–Yates permutation drawn from <c>StreamRandom(seed, ShuffleDomain, e)</c>; otherwise in index
/// order. Every sample appears exactly once per epoch (minus a dropped last partial batch).</para>
/// <para>Ownership: batches are pooled (Prefetch + 2 of them per enumeration). The <see cref="Batch"/>
/// returned by <c>Current</c> stays valid until the next <c>MoveNext</c>; then it goes back to the pool.</para>
/// <para>Determinism: batch contents depend only on the dataset, the options' seed, batch size, shuffle
/// and augmentation, and the epoch number — not on thread count, prefetch depth or timing.</para>
/// </remarks>
public sealed class BatchLoader
{
    /// <summary>The stream id that separates shuffle draws from other uses of the seed.</summary>
    public const ulong ShuffleDomain = 0x5_4FF1E;

    private readonly Augmenter _augmenter;

    /// <summary>Creates a loader over <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Batch size, threads or prefetch below 1, or bad augmentation ranges.</exception>
    public BatchLoader(MnistDataset data, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1, nameof(options.Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Prefetch, 1, nameof(options.Prefetch));
        Data = data;
        Options = options;
        _augmenter = new Augmenter(options.Augmentation, options.Seed, data.Rows, data.Cols);
    }

    /// <summary>A loader for evaluation: index order, no augmentation, last partial batch kept.</summary>
    public static BatchLoader ForEvaluation(MnistDataset data, int batchSize = 1000) => new(data, BatchLoaderOptions.Evaluation(batchSize));

    /// <summary>The samples.</summary>
    public MnistDataset Data { get; }

    /// <summary>The options.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => Options.DropLast ? Data.Count / Options.BatchSize : (Data.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Samples per epoch (all, or fewer when the last partial batch is dropped).</summary>
    public int SamplesPerEpoch => Options.DropLast ? BatchesPerEpoch * Options.BatchSize : Data.Count;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the samples.</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = new int[Data.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (Options.Shuffle)
        {
            var rng = new StreamRandom(Options.Seed, ShuffleDomain, (ulong)epoch);
            rng.Shuffle(order.AsSpan());
        }
        return order;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>. Production starts at the first <c>MoveNext</c> and
    /// stops when the enumeration is disposed (a <c>foreach</c> does that, also on <c>break</c>).
    /// </summary>
    /// <exception cref="OperationCanceledException">From <c>MoveNext</c> once <paramref name="cancellationToken"/> is cancelled.</exception>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellationToken = default) => new EpochBatches(this, epoch, cancellationToken);

    private void Fill(Batch batch, int[] order, int number, int epoch)
    {
        int bs = Options.BatchSize, start = number * bs, count = Math.Min(bs, Data.Count - start);
        int pixels = Data.PixelsPerImage;
        batch.Count = count;
        batch.Number = number;
        batch.Epoch = epoch;
        for (int k = 0; k < count; k++)
        {
            int index = order[start + k];
            batch.Indices[k] = index;
            byte label = Data.Labels[index];
            batch.Labels[k] = label == MnistDataset.NotADigit ? Batch.NotADigit : label;
        }
        if (Options.Augmentation.IsIdentity)
        {
            for (int k = 0; k < count; k++)
                Augmenter.ToFloat(Data.Image(batch.Indices[k]), batch.Images.AsSpan(k * pixels, pixels));
        }
        else
        {
            _augmenter.AugmentBatch(Data, batch.Indices, count, batch.Images, epoch, Options.Threads);
        }
    }

    private sealed class EpochBatches(BatchLoader loader, int epoch, CancellationToken ct) : IEnumerable<Batch>
    {
        public IEnumerator<Batch> GetEnumerator() => new Producer(loader, epoch, ct);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class Producer : IEnumerator<Batch>
    {
        private readonly BatchLoader _loader;
        private readonly int _epoch;
        private readonly CancellationToken _consumerToken;
        private readonly CancellationTokenSource _stop;
        private readonly BlockingCollection<Batch> _free = [];
        private readonly BlockingCollection<Batch> _ready = [];
        private Thread? _thread;
        private Batch? _current;
        private ExceptionDispatchInfo? _error;
        private bool _disposed;

        public Producer(BatchLoader loader, int epoch, CancellationToken ct)
        {
            _loader = loader;
            _epoch = epoch;
            _consumerToken = ct;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            int capacity = loader.Options.BatchSize;
            for (int i = 0; i < loader.Options.Prefetch + 2; i++) _free.Add(new Batch(capacity, loader.Data.PixelsPerImage));
        }

        public Batch Current => _current ?? throw new InvalidOperationException("No current batch: call MoveNext first.");

        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _consumerToken.ThrowIfCancellationRequested();
            if (_current is not null)
            {
                _free.Add(_current);
                _current = null;
            }
            if (_thread is null)
            {
                _thread = new Thread(Produce) { IsBackground = true, Name = $"BatchLoader epoch {_epoch}" };
                _thread.Start();
            }
            if (_ready.TryTake(out var batch, Timeout.Infinite, _consumerToken))
            {
                _current = batch;
                return true;
            }
            _error?.Throw();
            return false;
        }

        public void Reset() => throw new NotSupportedException();

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _stop.Cancel();
            _thread?.Join();
            _stop.Dispose();
            _free.Dispose();
            _ready.Dispose();
        }

        private void Produce()
        {
            var token = _stop.Token;
            try
            {
                int[] order = _loader.EpochOrder(_epoch);
                int batches = _loader.BatchesPerEpoch;
                for (int b = 0; b < batches; b++)
                {
                    var batch = _free.Take(token);
                    _loader.Fill(batch, order, b, _epoch);
                    _ready.Add(batch, token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
#pragma warning disable CA1031 // Any failure is handed to the consumer, which rethrows it from MoveNext.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _ready.CompleteAdding();
            }
        }
    }
}
