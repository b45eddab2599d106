using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Mnist.Engine.Preprocessing;
using Mnist.Server.Batching;
using Mnist.Wire;

using Mnist.Imaging;

namespace Mnist.Server.Api;

/// <summary><c>POST /v1/predict</c>: an image body, JSON pixels, JSON strokes, or a JSON batch.</summary>
public static class PredictApi
{
    /// <summary>Image media types taken as a body (the bytes are sniffed; the type only routes).</summary>
    internal static readonly string[] ImageTypes = ["image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif", "application/octet-stream"];

    /// <summary>Maps the prediction endpoint into <paramref name="v1"/>.</summary>
    public static RouteGroupBuilder MapPredictApi(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapPost("/predict", Predict)
            .WithName("Predict")
            .WithSummary("Recognize a digit: an image, 28×28 pixels, pen strokes, or a batch of them")
            .WithDescription("""
                The body is either an encoded image (Content-Type image/png, image/jpeg, image/webp, image/bmp, image/gif or
                application/octet-stream; any size up to the limits, dark-on-light or light-on-dark, it is MNIST-framed first),
                or JSON: {"pixels":[784 numbers 0–255]} (already 28×28, white on black), {"strokes":[[[x,y],…],…],"width":W,"height":H}
                (width/height of the canvas are optional), or a batch {"items":[ {"pixels":…} | {"strokes":…}, … ]} answered
                as {"predictions":[…]} in order. An input without a digit is answered with "digit": null and a "no_digit" reason.
                """)
            .WithPredictionBodies<PredictionResponse, BatchPredictionResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return v1;
    }

    /// <summary>Recognize a digit: an image, 28×28 pixels, pen strokes, or a batch of them.</summary>
    /// <remarks>The OpenAPI document takes its summary from this comment (it wins over WithSummary).</remarks>
    public static async Task<Results<Ok<PredictionResponse>, Ok<BatchPredictionResponse>, ProblemHttpResult>> Predict(
        HttpRequest request, PredictionService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(service);
        long started = Stopwatch.GetTimestamp();
        try
        {
            switch (KindOf(request.ContentType))
            {
                case BodyKind.Json:
                {
                    PredictJson parsed;
                    using (RequestBody body = await RequestBody.ReadAsync(request, service.Limits.MaxJsonBytes, cancellationToken).ConfigureAwait(false))
                        parsed = PredictJsonParser.Parse(body.Span, service.Limits);
                    if (parsed.Single is not null)
                        return TypedResults.Ok(await service.ClassifyAsync(PredictionService.Preprocess(parsed.Single), started, cancellationToken).ConfigureAwait(false));
                    var prepared = new PreprocessResult[parsed.Items!.Count];
                    for (int i = 0; i < prepared.Length; i++)
                    {
                        try
                        {
                            prepared[i] = PredictionService.Preprocess(parsed.Items[i]);
                        }
                        catch (InputException e)
                        {
                            throw new InputException(e.Status, e.Title, e.Message, $"/items/{i}");
                        }
                    }
                    var tasks = new Task<PredictionResponse>[prepared.Length];
                    for (int i = 0; i < tasks.Length; i++) tasks[i] = service.ClassifyAsync(prepared[i], started, cancellationToken);
                    PredictionResponse[] predictions = await Task.WhenAll(tasks).ConfigureAwait(false);
                    return TypedResults.Ok(new BatchPredictionResponse(predictions, predictions[0].Model, PredictionService.ElapsedMs(started)));
                }
                case BodyKind.Image:
                {
                    PreprocessResult prepared;
                    using (RequestBody body = await RequestBody.ReadAsync(request, service.Limits.MaxImageBytes, cancellationToken).ConfigureAwait(false))
                    using (await service.EnterDecodeAsync(cancellationToken).ConfigureAwait(false))
                        prepared = service.PreprocessImage(body.Span);
                    return TypedResults.Ok(await service.ClassifyAsync(prepared, started, cancellationToken).ConfigureAwait(false));
                }
                default:
                    throw InputException.Unsupported(
                        $"Content-Type '{request.ContentType}' is not accepted; send application/json or an image ({string.Join(", ", ImageTypes)}).");
            }
        }
        catch (InputException e)
        {
            return Problems.From(e);
        }
        catch (ServiceUnavailableException e)
        {
            return Problems.From(e);
        }
    }

    /// <summary>What a request body is, by its content type.</summary>
    internal enum BodyKind { Other, Json, Image }

    /// <summary>Routes a body by its content type (shared with <c>/v1/read</c>).</summary>
    internal static BodyKind KindOf(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? media)) return BodyKind.Other;
        var type = media.MediaType;
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            return BodyKind.Json;
        foreach (string t in ImageTypes)
        {
            if (type.Equals(t, StringComparison.OrdinalIgnoreCase)) return BodyKind.Image;
        }
        return BodyKind.Other;
    }
}
