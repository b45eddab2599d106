using Microsoft.Extensions.Options;
using Mnist.Engine.Reading;
using Mnist.Imaging;
using Mnist.Inference;
using Mnist.Server.Batching;
using Mnist.Server.Hosting;
using Mnist.Server.Observability;
using Mnist.Server.Serving;
using Mnist.Wire;

namespace Mnist.Server.Api;

/// <summary>
/// What <c>POST /v1/read</c> does: reads a whole number on the request's own thread with the served model's
/// <see cref="DigitPipeline"/> (<see cref="NumberReader"/>, all candidate segments of the request in one model call),
/// and maps the reading to the wire record.
/// </summary>
/// <remarks>
/// <para>Not through <see cref="PredictionBatcher"/>: the reader's classifier is a synchronous callback, and one
/// request already brings a batch (every candidate segment). Blocking a request thread on the batcher's queue would
/// only add a hop; the classifier is thread-safe for concurrent callers.</para>
/// <para>Hot reload: the served model is read once per reading; when a reload disposed it between that read and the
/// model call, the whole reading runs again on the model that replaced it (reading is a pure function of the input and
/// the model), so every digit of one answer comes from one model.</para>
/// </remarks>
public sealed class ReadingService(PredictionService predictions, ModelStore store, ServerMetrics metrics)
{
    /// <summary>The request limits.</summary>
    public LimitOptions Limits => predictions.Limits;

    /// <summary>Waits for an image decode slot (<see cref="PredictionService.EnterDecodeAsync"/>).</summary>
    public Task<IDisposable> EnterDecodeAsync(CancellationToken cancellationToken) => predictions.EnterDecodeAsync(cancellationToken);

    /// <summary>Reads a number in an encoded image (decoded within the request limits).</summary>
    /// <exception cref="InputException">400, 413, 415 or 422 (not an acceptable image, or too many pieces of ink).</exception>
    /// <exception cref="ServiceUnavailableException">No model is loaded.</exception>
    public ReadResponse ReadImage(ReadOnlySpan<byte> encoded, long started)
    {
        DecodedImage image = predictions.DecodeImage(encoded);
        return Read(pipeline => pipeline.ReadImage(image), started);
    }

    /// <summary>Reads a number in parsed JSON input: strokes, or 28×28 pixels read as a gray image.</summary>
    /// <exception cref="InputException">422: invalid strokes, or too many strokes for one number.</exception>
    /// <exception cref="ServiceUnavailableException">No model is loaded.</exception>
    public ReadResponse Read(DigitInput input, long started)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Pixels is { } pixels
            ? Read(pipeline => pipeline.ReadPixels(pixels), started)
            : Read(pipeline => pipeline.ReadStrokes(input.Strokes!, input.CanvasWidth, input.CanvasHeight), started);
    }

    private ReadResponse Read(Func<DigitPipeline, NumberReading> read, long started)
    {
        for (int attempt = 0; ; attempt++)
        {
            ServedModel model = store.Current ?? throw new ServiceUnavailableException("No model is loaded yet.");
            NumberReading reading;
            try
            {
                reading = read(model.Pipeline);
            }
            catch (ObjectDisposedException) when (attempt < 3 && !ReferenceEquals(model, store.Current))
            {
                continue; // reloaded meanwhile: read again on the new model
            }
            catch (ObjectDisposedException e)
            {
                throw new ServiceUnavailableException("The model was being replaced; retry shortly.", e);
            }
            catch (ArgumentException e)
            {
                throw InputException.Invalid(e.Message);
            }
            return ToWire(reading, model, started);
        }
    }

    private ReadResponse ToWire(NumberReading reading, ServedModel model, long started)
    {
        if (reading.IsEmpty)
        {
            metrics.RecordNoDigit();
            return new ReadResponse("", 0f, false, [], model.Info.Name, PredictionService.ElapsedMs(started),
                PredictionService.ReasonName(reading.Reason), reading.Message);
        }
        var digits = new ReadDigitResponse[reading.Digits.Count];
        for (int i = 0; i < digits.Length; i++)
        {
            ReadDigit d = reading.Digits[i];
            digits[i] = new ReadDigitResponse(d.Digit, d.Confidence, d.IsConfident, [d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height], d.Probabilities);
        }
        return new ReadResponse(reading.Number, reading.Confidence, reading.IsConfident, digits, model.Info.Name,
            PredictionService.ElapsedMs(started), Precision: model.Precision);
    }
}
