using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Mnist.Engine.Preprocessing;
using Mnist.Wire;

namespace Mnist.Client;

/// <summary>
/// Recognizes digits on the server: a typed <see cref="HttpClient"/> over <c>/v1</c>. Retries with backoff,
/// per-attempt and total timeouts come from the resilience pipeline that <see cref="MnistClientServiceCollectionExtensions.AddMnistClient"/>
/// puts on the client (Microsoft.Extensions.Http.Resilience); <c>POST /v1/predict</c> and <c>POST /v1/read</c> are pure functions of their
/// bodies, so retrying them is safe.
/// </summary>
/// <remarks>
/// The drawing is first preprocessed locally: a drawing with no digit (e.g. a dot, judged against the canvas size,
/// which the server does not see) is answered without a request, exactly as <see cref="OnDeviceDigitRecognizer"/>
/// answers it. Otherwise the strokes are sent as they are and the server runs the same preprocessing.
/// </remarks>
public sealed class RemoteDigitRecognizer : IDigitRecognizer
{
    private readonly HttpClient _http;

    /// <summary>Creates the recognizer over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> is the server's root.</summary>
    public RemoteDigitRecognizer(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <inheritdoc/>
    public string Mode => "server";

    /// <inheritdoc/>
    public async Task<DigitResult> RecognizeAsync(StrokeDrawing drawing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        long start = Stopwatch.GetTimestamp();
        PreprocessResult local = drawing.Preprocess();
        if (local.IsEmpty) return DigitResult.Empty(local, Mode, Stopwatch.GetElapsedTime(start).TotalMilliseconds);

        PredictionResponse answer = await PostAsync("v1/predict", drawing, WireJsonContext.Default.PredictionResponse, cancellationToken).ConfigureAwait(false);
        return ToResult(answer, Mode, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <inheritdoc/>
    /// <remarks>The drawing and its canvas size go to <c>POST /v1/read</c> as they are: the server judges "no digit"
    /// (its <c>no_digit</c> reason is reported) and cuts the drawing into digits.</remarks>
    public async Task<NumberResult> ReadNumberAsync(StrokeDrawing drawing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        long start = Stopwatch.GetTimestamp();
        ReadResponse answer = await PostAsync("v1/read", drawing, WireJsonContext.Default.ReadResponse, cancellationToken).ConfigureAwait(false);
        return ToResult(answer, Mode, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>The SDK's result for the server's <c>/v1/predict</c> answer.</summary>
    /// <exception cref="MnistClientException">A digit without 10 probabilities.</exception>
    internal static DigitResult ToResult(PredictionResponse answer, string mode, double elapsedMs)
    {
        if (answer.Digit is null)
        {
            return new DigitResult
            {
                Probabilities = new float[10], Mode = mode, Model = answer.Model, ElapsedMilliseconds = elapsedMs, ServerMilliseconds = answer.ElapsedMs,
                NoDigitReason = NoDigitReasons.Parse(answer.NoDigit), Message = answer.Message ?? "The server found no digit.",
            };
        }
        if (answer.Probabilities is not { Length: 10 }) throw new MnistClientException("The server's answer has no 10 probabilities.");
        return DigitResult.FromProbabilities(answer.Probabilities, mode, answer.Model, elapsedMs, answer.ElapsedMs);
    }

    /// <summary>The SDK's result for the server's <c>/v1/read</c> answer.</summary>
    /// <exception cref="MnistClientException">A digit without a 4-value box or 10 probabilities.</exception>
    internal static NumberResult ToResult(ReadResponse answer, string mode, double elapsedMs)
    {
        ReadDigitResponse[] wire = answer.Digits ?? [];
        var digits = new NumberDigit[wire.Length];
        for (int i = 0; i < digits.Length; i++)
        {
            ReadDigitResponse d = wire[i];
            if (d.Box is not { Length: 4 } || d.Probabilities is not { Length: 10 })
                throw new MnistClientException($"The server's digit {i} has no [x,y,w,h] box or no 10 probabilities.");
            digits[i] = new NumberDigit(d.Digit, d.Confidence, d.Confident, new InkBounds(d.Box[0], d.Box[1], d.Box[2], d.Box[3]), d.Probabilities);
        }
        bool empty = digits.Length == 0;
        return new NumberResult
        {
            Number = answer.Number ?? "",
            Confidence = answer.Confidence,
            IsConfident = answer.Confident,
            Digits = digits,
            NoDigitReason = empty ? NoDigitReasons.Parse(answer.NoDigit) : NoDigitReason.None,
            Message = empty ? answer.Message ?? "The server found no digit." : null,
            Model = answer.Model,
            Mode = mode,
            ElapsedMilliseconds = elapsedMs,
            ServerMilliseconds = answer.ElapsedMs,
        };
    }

    private async Task<T> PostAsync<T>(string path, StrokeDrawing drawing, JsonTypeInfo<T> answerType, CancellationToken cancellationToken)
        where T : class
    {
        var body = new PredictRequest(
            Strokes: drawing.Strokes.Select(s => s.Select(p => new[] { p.X, p.Y }).ToArray()).ToArray(),
            Width: drawing.CanvasWidth > 0 ? drawing.CanvasWidth : null,
            Height: drawing.CanvasHeight > 0 ? drawing.CanvasHeight : null);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsJsonAsync(path, body, WireJsonContext.Default.PredictRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new MnistClientException($"The server could not be reached: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MnistClientException("The server did not answer in time.", e);
        }
        catch (Polly.Timeout.TimeoutRejectedException e)
        {
            throw new MnistClientException("The server did not answer in time.", e);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException e)
        {
            throw new MnistClientException("The server is failing; requests are paused for a moment.", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, cancellationToken).ConfigureAwait(false);
            T? answer;
            try
            {
                answer = await response.Content.ReadFromJsonAsync(answerType, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new MnistClientException($"The server's answer is not the expected JSON: {e.Message}", response.StatusCode, e);
            }
            return answer ?? throw new MnistClientException("The server's answer is empty.", response.StatusCode);
        }
    }

    internal static async Task<MnistClientException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string detail = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            ProblemDetailsDto? problem = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.ProblemDetailsDto, cancellationToken).ConfigureAwait(false);
            if (problem?.Detail is { Length: > 0 } d) detail = $"{detail}: {d}";
            else if (problem?.Title is { Length: > 0 } t) detail = $"{detail}: {t}";
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Not problem+json: the status line is all there is.
        }
        return new MnistClientException($"The server refused the request ({detail}).", response.StatusCode);
    }
}
