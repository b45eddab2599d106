using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Mnist.Engine.Preprocessing;
using Mnist.Inference;
using Mnist.Server.Hosting;
using Mnist.Server.Observability;
using Mnist.Server.Serving;

namespace Mnist.Server.Batching;

/// <summary>
/// Dynamic micro-batching. Request threads preprocess their input and <see cref="ClassifyAsync"/> it;
/// <see cref="BatchingOptions.Workers"/> worker loops take whatever is queued (up to
/// <see cref="BatchingOptions.MaxBatchSize"/>), wait up to <see cref="BatchingOptions.MaxDelayMicroseconds"/> for
/// more while the server is busy, and classify the whole batch with one <see cref="DigitPipeline.ClassifyBatch"/>
/// call of the current model's pipeline.
/// </summary>
/// <remarks>
/// A lone request is never delayed: the wait for company happens only when the previous batch held more than one
/// digit. Under load the queue fills while a batch runs, so batches grow by themselves. On shutdown the queue is
/// closed and drained: every accepted digit gets its answer before the host stops.
/// </remarks>
public sealed partial class PredictionBatcher : IHostedLifecycleService, IAsyncDisposable
{
    private readonly Channel<PendingDigit> _queue;
    private readonly ModelStore _store;
    private readonly ServerMetrics _metrics;
    private readonly BatchingOptions _options;
    private readonly ILogger<PredictionBatcher> _logger;
    private Task[] _workers = [];
    private int _busy;

    /// <summary>Creates the batcher; workers start with the host.</summary>
    public PredictionBatcher(ModelStore store, ServerMetrics metrics, IOptions<MnistServerOptions> options, ILogger<PredictionBatcher> logger)
    {
        _store = store;
        _metrics = metrics;
        _options = options.Value.Batching;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingDigit>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = _options.Workers == 1,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Classifies one preprocessed input as part of a batch.</summary>
    /// <returns>The pipeline's answer and the model that gave it.</returns>
    /// <exception cref="ServiceUnavailableException">No model is loaded, the queue is full, or the server is stopping.</exception>
    public Task<BatchResult> ClassifyAsync(PreprocessResult input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_store.Current is null) throw new ServiceUnavailableException("No model is loaded yet.");
        var pending = new PendingDigit(input);
        if (!_queue.Writer.TryWrite(pending))
            throw new ServiceUnavailableException(_queue.Reader.Completion.IsCompleted ? "The server is shutting down." : "The prediction queue is full; retry shortly.");
        return pending.Task;
    }

    /// <summary>Starts the worker loops.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _workers = new Task[_options.Workers];
        for (int i = 0; i < _workers.Length; i++) _workers[i] = Task.Run(WorkerAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Nothing yet: the web server is draining its requests in this phase, and they still need the batcher.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the web server has stopped: stops accepting digits and answers the ones already queued.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
    }

    private async Task WorkerAsync()
    {
        ChannelReader<PendingDigit> reader = _queue.Reader;
        var batch = new List<PendingDigit>(_options.MaxBatchSize);
        var inputs = new List<PreprocessResult>(_options.MaxBatchSize);
        var delay = TimeSpan.FromTicks(_options.MaxDelayMicroseconds * TimeSpan.TicksPerMicrosecond);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out PendingDigit? item)) batch.Add(item);
            if (batch.Count == 0) continue;
            if (batch.Count < _options.MaxBatchSize && delay > TimeSpan.Zero && Volatile.Read(ref _busy) != 0)
                await FillAsync(reader, batch, delay).ConfigureAwait(false);
            Volatile.Write(ref _busy, batch.Count > 1 ? 1 : 0);
            Run(batch, inputs);
        }
    }

    /// <summary>Waits up to <paramref name="delay"/> (from the first digit's arrival) for the batch to fill.</summary>
    private async Task FillAsync(ChannelReader<PendingDigit> reader, List<PendingDigit> batch, TimeSpan delay)
    {
        long deadline = batch[0].Enqueued + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < _options.MaxBatchSize)
        {
            long remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0) break;
            if (reader.TryRead(out PendingDigit? item))
            {
                batch.Add(item);
                continue;
            }
            // Timers are millisecond-grained: a shorter remaining wait becomes one timer tick.
            var wait = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            using var cts = new CancellationTokenSource(wait);
            try
            {
                if (!await reader.WaitToReadAsync(cts.Token).ConfigureAwait(false)) break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Answers <paramref name="batch"/>; <paramref name="inputs"/> is the worker's list for their inputs, reused
    /// from batch to batch.</summary>
    private void Run(List<PendingDigit> batch, List<PreprocessResult> inputs)
    {
        int n = batch.Count;
        foreach (PendingDigit p in batch) inputs.Add(p.Input);
        try
        {
            double queueSeconds = Stopwatch.GetElapsedTime(batch[0].Enqueued).TotalSeconds;
            _metrics.RecordBatch(n, queueSeconds);
            using Activity? span = StartBatchSpan(batch, queueSeconds);
            (Recognition[] answers, ServedModel model) = ClassifyWithCurrentModel(inputs);
            for (int i = 0; i < n; i++) batch[i].SetResult(new BatchResult(answers[i], model));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogBatchFailed(_logger, e, n);
            foreach (PendingDigit p in batch) p.SetException(e is ServiceUnavailableException ? e : new ServiceUnavailableException("The model failed on this batch.", e));
        }
        finally
        {
            inputs.Clear(); // an idle worker keeps no request's pixels alive
        }
    }

    /// <summary>The batch's span: a child of its first request's span, linked to every request in it (a batch serves
    /// several traces at once). Null when nobody listens, which costs one check.</summary>
    private static Activity? StartBatchSpan(List<PendingDigit> batch, double queueSeconds)
    {
        if (!Telemetry.Source.HasListeners()) return null;
        ActivityContext parent = default;
        var links = new List<ActivityLink>(batch.Count);
        foreach (PendingDigit p in batch)
        {
            if (p.Requester == default) continue;
            if (parent == default) parent = p.Requester;
            links.Add(new ActivityLink(p.Requester));
        }
        Activity? span = Telemetry.Source.StartActivity("mnist.batch", ActivityKind.Internal, parent, links: links);
        span?.SetTag("mnist.batch.size", batch.Count);
        span?.SetTag("mnist.batch.queue_ms", queueSeconds * 1000);
        return span;
    }

    /// <summary>Runs the batch on the current model; when a reload disposed that model between reading it and
    /// calling it, the batch runs again on the model that replaced it.</summary>
    private (Recognition[] Answers, ServedModel Model) ClassifyWithCurrentModel(List<PreprocessResult> inputs)
    {
        for (int attempt = 0; ; attempt++)
        {
            ServedModel model = _store.Current ?? throw new ServiceUnavailableException("No model is loaded.");
            using Activity? span = Telemetry.Source.StartActivity("mnist.model");
            span?.SetTag("mnist.model.name", model.Info.Name);
            span?.SetTag("mnist.model.precision", model.Precision);
            span?.SetTag("mnist.batch.size", inputs.Count);
            try
            {
                return (model.Pipeline.ClassifyBatch(inputs), model);
            }
            catch (ObjectDisposedException) when (attempt < 3 && !ReferenceEquals(model, _store.Current))
            {
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Count} digits failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private sealed class PendingDigit(PreprocessResult input) : TaskCompletionSource<BatchResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public PreprocessResult Input { get; } = input;
        public long Enqueued { get; } = Stopwatch.GetTimestamp();

        /// <summary>The span of the request that queued this digit (none when tracing is off).</summary>
        public ActivityContext Requester { get; } = Activity.Current?.Context ?? default;
    }
}

/// <summary>One digit's answer from a batch: the pipeline's answer and the model that gave it.</summary>
public sealed record BatchResult(Recognition Recognition, ServedModel Model);
