using System.Diagnostics;
using Microsoft.Extensions.Options;
using Mnist.Engine.Preprocessing;
using Mnist.Imaging;
using Mnist.Inference;
using Mnist.Server.Batching;
using Mnist.Server.Hosting;
using Mnist.Server.Observability;
using Mnist.Server.Serving;
using Mnist.Wire;

namespace Mnist.Server.Api;

/// <summary>
/// What the prediction endpoints share: preprocessing on the request's own thread (decoding, rasterizing strokes,
/// MNIST framing), then classification through the micro-batcher, mapped to the wire records. Both steps are
/// <see cref="DigitPipeline"/>'s, the CLI's and the SDK's path, split where the batcher needs them apart.
/// </summary>
public sealed class PredictionService
{
    private readonly PredictionBatcher _batcher;
    private readonly ModelStore _store;
    private readonly ServerMetrics _metrics;
    private readonly ImageDecoderOptions _decoder;
    private readonly SemaphoreSlim _decodeSlots;
    private int _decoding;
    private int _peakDecoding;

    /// <summary>Creates the service.</summary>
    public PredictionService(PredictionBatcher batcher, ModelStore store, ServerMetrics metrics, IOptions<MnistServerOptions> options)
    {
        _batcher = batcher;
        _store = store;
        _metrics = metrics;
        LimitOptions limits = options.Value.Limits;
        Limits = limits;
        _decoder = new ImageDecoderOptions
        {
            MaxEncodedBytes = limits.MaxImageBytes,
            MaxWidth = limits.MaxImageSide,
            MaxHeight = limits.MaxImageSide,
            MaxPixels = limits.MaxImagePixels,
        };
        int slots = limits.MaxConcurrentDecodes > 0 ? limits.MaxConcurrentDecodes : Environment.ProcessorCount;
        _decodeSlots = new SemaphoreSlim(slots, slots);
    }

    /// <summary>The most image decodes that ran at the same time since start: the tests' view of the decode limit.</summary>
    internal int PeakConcurrentDecodes => Volatile.Read(ref _peakDecoding);

    /// <summary>
    /// Waits for a decode slot: at most <see cref="LimitOptions.MaxConcurrentDecodes"/> images (default the core count)
    /// are decoded at once, since each may take up to 4 bytes per allowed pixel of native memory and its share of a
    /// core; more at once only adds memory, not throughput. Dispose the result to free the slot.
    /// </summary>
    public async Task<IDisposable> EnterDecodeAsync(CancellationToken cancellationToken)
    {
        await _decodeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        int now = Interlocked.Increment(ref _decoding);
        int peak;
        while (now > (peak = Volatile.Read(ref _peakDecoding)) && Interlocked.CompareExchange(ref _peakDecoding, now, peak) != peak) { }
        return new DecodeSlot(this);
    }

    private sealed class DecodeSlot(PredictionService owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            Interlocked.Decrement(ref owner._decoding);
            owner._decodeSlots.Release();
        }
    }

    /// <summary>The request limits.</summary>
    public LimitOptions Limits { get; }

    /// <summary>Decodes and preprocesses an encoded image.</summary>
    /// <exception cref="InputException">400, 413, 415 or 422 by the decoder's reason.</exception>
    public PreprocessResult PreprocessImage(ReadOnlySpan<byte> encoded)
    {
        DecodedImage image = DecodeImage(encoded);
        try
        {
            return ImageDecoder.Preprocess(image, ServedModel.PipelineOptions.Preprocess);
        }
        catch (ArgumentException e)
        {
            // Preprocessing's own limits (e.g. an absurd aspect ratio) on an image that decoded.
            throw InputException.Invalid(e.Message);
        }
    }

    /// <summary>Decodes an encoded image within the request limits.</summary>
    /// <exception cref="InputException">400, 413, 415 or 422 by the decoder's reason.</exception>
    public DecodedImage DecodeImage(ReadOnlySpan<byte> encoded)
    {
        try
        {
            return ImageDecoder.Decode(encoded, _decoder);
        }
        catch (ImageDecodeException e)
        {
            throw e.Reason switch
            {
                ImageDecodeReason.Empty => InputException.Malformed(e.Message),
                ImageDecodeReason.TooManyBytes => InputException.TooLarge(e.Message),
                ImageDecodeReason.UnsupportedFormat => InputException.Unsupported(e.Message),
                ImageDecodeReason.TooLarge or ImageDecodeReason.TooManyPixels => InputException.TooLarge(e.Message),
                _ => InputException.Invalid(e.Message),
            };
        }
    }

    /// <summary>Preprocesses pixels or strokes.</summary>
    /// <exception cref="InputException">422 when the preprocessing refuses the values.</exception>
    public static PreprocessResult Preprocess(DigitInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return input.Pixels is not null
                ? DigitPipeline.PreprocessPixels(input.Pixels)
                : DigitPipeline.PreprocessStrokes(input.Strokes!, input.CanvasWidth, input.CanvasHeight, ServedModel.PipelineOptions);
        }
        catch (ArgumentException e)
        {
            throw InputException.Invalid(e.Message);
        }
    }

    /// <summary>Classifies a preprocessed digit (or reports "no digit" without asking the model).</summary>
    /// <param name="input">The preprocessing result.</param>
    /// <param name="started">The request's start (<see cref="Stopwatch.GetTimestamp"/>), for <c>elapsed_ms</c>.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <exception cref="ServiceUnavailableException">No model, or the server is overloaded or stopping.</exception>
    public async Task<PredictionResponse> ClassifyAsync(PreprocessResult input, long started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.IsEmpty)
        {
            _metrics.RecordNoDigit();
            ServedModel model = _store.Current ?? throw new ServiceUnavailableException("No model is loaded yet.");
            // Not queued: the pipeline answers "no digit" without a model call.
            Recognition empty = model.Pipeline.Classify(input);
            return new PredictionResponse(null, 0f, empty.Probabilities, false, model.Info.Name, ElapsedMs(started),
                ReasonName(empty.NoDigitReason), empty.NoDigitMessage);
        }
        BatchResult r = await _batcher.ClassifyAsync(input).WaitAsync(cancellationToken).ConfigureAwait(false);
        Recognition d = r.Recognition;
        return new PredictionResponse(d.Digit, d.Confidence, d.Probabilities, d.IsConfident, r.Model.Info.Name, ElapsedMs(started), Precision: r.Model.Precision);
    }

    /// <summary>Milliseconds since <paramref name="started"/>.</summary>
    public static double ElapsedMs(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);

    /// <summary>The wire name of a no-digit reason.</summary>
    public static string ReasonName(NoDigitReason reason) => reason switch
    {
        NoDigitReason.NoInk => NoDigitNames.NoInk,
        NoDigitReason.TooLittleInk => NoDigitNames.TooLittleInk,
        NoDigitReason.TooSmall => NoDigitNames.TooSmall,
        NoDigitReason.Blob => NoDigitNames.Blob,
        _ => "none",
    };
}
