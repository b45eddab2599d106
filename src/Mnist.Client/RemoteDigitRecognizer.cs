using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Mnist.Engine.Preprocessing;

namespace Mnist.Client;

/// <summary>
/// Recognizes digits on the server: a typed <see cref="HttpClient"/> over <c>/v1</c>. Retries with backoff,
/// per-attempt and total timeouts come from the resilience pipeline that <see cref="MnistClientServiceCollectionExtensions.AddMnistClient"/>
/// puts on the client (Microsoft.Extensions.Http.Resilience); <c>POST /v1/predict</c> is a pure function of its body, so
/// retrying it is safe.
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

        var body = new PredictStrokesRequest(drawing.Strokes.Select(s => s.Select(p => new[] { p.X, p.Y }).ToArray()).ToArray());
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsJsonAsync("v1/predict", body, ClientJsonContext.Default.PredictStrokesRequest, cancellationToken).ConfigureAwait(false);
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
            PredictResponse? answer;
            try
            {
                answer = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.PredictResponse, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new MnistClientException($"The server's answer is not the expected JSON: {e.Message}", response.StatusCode, e);
            }
            if (answer is null) throw new MnistClientException("The server's answer is empty.", response.StatusCode);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (answer.Digit is null)
            {
                return new DigitResult
                {
                    Probabilities = new float[10], Mode = Mode, Model = answer.Model, ElapsedMilliseconds = elapsed, ServerMilliseconds = answer.ElapsedMs,
                    NoDigitReason = ParseReason(answer.Reason), Message = answer.Message ?? "The server found no digit.",
                };
            }
            if (answer.Probabilities is not { Length: 10 })
                throw new MnistClientException("The server's answer has no 10 probabilities.", response.StatusCode);
            return DigitResult.FromProbabilities(answer.Probabilities, Mode, answer.Model, elapsed, answer.ElapsedMs);
        }
    }

    private static NoDigitReason ParseReason(string? reason)
    {
        if (reason is null) return NoDigitReason.NoInk;
        string normalized = reason.Replace("_", "", StringComparison.Ordinal);
        return Enum.TryParse(normalized, ignoreCase: true, out NoDigitReason r) && r != NoDigitReason.None ? r : NoDigitReason.NoInk;
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
