namespace Mnist.Client;

/// <summary>
/// Recognizes a digit drawn as pen strokes. Two implementations answer alike for the same drawing:
/// <see cref="OnDeviceDigitRecognizer"/> (ONNX Runtime in the app, offline) and <see cref="RemoteDigitRecognizer"/>
/// (the server's <c>POST /v1/predict</c>).
/// </summary>
public interface IDigitRecognizer
{
    /// <summary>Where the model runs: <c>device</c> or <c>server</c>.</summary>
    string Mode { get; }

    /// <summary>Recognizes the digit in <paramref name="drawing"/>.</summary>
    /// <param name="drawing">Strokes and, when known, the drawing surface's size (it enables the "a dot, not a digit" check).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A digit with its probabilities, or "no digit" with the reason. A drawing with no digit is never sent
    /// to a model.</returns>
    /// <exception cref="ArgumentException">Invalid strokes (non-finite points, too many strokes or points).</exception>
    /// <exception cref="MnistClientException">The server refused or failed the request, or no model is loaded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    Task<DigitResult> RecognizeAsync(StrokeDrawing drawing, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole number written in <paramref name="drawing"/>: several digits on one line, left to right
    /// (<see cref="Mnist.Engine.Reading.NumberReader"/> on the device; <c>POST /v1/read</c> on the server).</summary>
    /// <param name="drawing">Strokes and, when known, the drawing surface's size.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The digits with their boxes and probabilities, or "no digit" with the reason.</returns>
    /// <exception cref="ArgumentException">Invalid strokes, or more than
    /// <see cref="Mnist.Engine.Reading.NumberReader.MaxPieces"/> strokes (on the device; the server answers 422, a
    /// <see cref="MnistClientException"/>).</exception>
    /// <exception cref="MnistClientException">The server refused or failed the request, or no model is loaded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    Task<NumberResult> ReadNumberAsync(StrokeDrawing drawing, CancellationToken cancellationToken = default);
}
