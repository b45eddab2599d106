using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Mnist.Server.Batching;
using Mnist.Wire;

using Mnist.Imaging;

namespace Mnist.Server.Api;

/// <summary><c>POST /v1/read</c>: whole numbers (several digits on one line) in the bodies <c>/v1/predict</c> takes.</summary>
public static class ReadApi
{
    /// <summary>Maps the reading endpoint into <paramref name="v1"/>.</summary>
    public static RouteGroupBuilder MapReadApi(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapPost("/read", Read)
            .WithName("Read")
            .WithSummary("Read a whole number (several digits on one line): an image, pen strokes, 28×28 pixels, or a batch of them")
            .WithDescription("""
                Takes the bodies of /v1/predict: an encoded image (Content-Type image/png, image/jpeg, image/webp, image/bmp,
                image/gif or application/octet-stream), or JSON {"strokes":[[[x,y],…],…],"width":W,"height":H} (canvas size
                optional), {"pixels":[784 numbers 0–255]} (read as a 28×28 gray image), or a batch {"items":[…]} answered as
                {"readings":[…]} in order. The input is cut into pieces (strokes, or pieces of ink), every plausible grouping is
                classified in one model call, and the best-scoring grouping wins. The answer has the digits left to right
                ("number"), their product confidence, and per digit its box [x,y,w,h] in input coordinates and its 10
                probabilities. Nothing found: "number":"", "digits":[] and a "no_digit" reason with a "message".
                At most 64 strokes or pieces of ink per number.
                """)
            .WithPredictionBodies<ReadResponse, BatchReadResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return v1;
    }

    /// <summary>Read a whole number (several digits on one line): an image, pen strokes, 28×28 pixels, or a batch of them.</summary>
    /// <remarks>The OpenAPI document takes its summary from this comment (it wins over WithSummary).</remarks>
    public static async Task<Results<Ok<ReadResponse>, Ok<BatchReadResponse>, ProblemHttpResult>> Read(
        HttpRequest request, ReadingService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(service);
        long started = Stopwatch.GetTimestamp();
        try
        {
            switch (PredictApi.KindOf(request.ContentType))
            {
                case PredictApi.BodyKind.Json:
                {
                    PredictJson parsed;
                    using (RequestBody body = await RequestBody.ReadAsync(request, service.Limits.MaxJsonBytes, cancellationToken).ConfigureAwait(false))
                        parsed = PredictJsonParser.Parse(body.Span, service.Limits);
                    if (parsed.Single is not null) return TypedResults.Ok(service.Read(parsed.Single, started));
                    var readings = new ReadResponse[parsed.Items!.Count];
                    for (int i = 0; i < readings.Length; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        try
                        {
                            readings[i] = service.Read(parsed.Items[i], started);
                        }
                        catch (InputException e)
                        {
                            throw new InputException(e.Status, e.Title, e.Message, $"/items/{i}");
                        }
                    }
                    return TypedResults.Ok(new BatchReadResponse(readings, readings[0].Model, PredictionService.ElapsedMs(started)));
                }
                case PredictApi.BodyKind.Image:
                {
                    using RequestBody body = await RequestBody.ReadAsync(request, service.Limits.MaxImageBytes, cancellationToken).ConfigureAwait(false);
                    using (await service.EnterDecodeAsync(cancellationToken).ConfigureAwait(false))
                        return TypedResults.Ok(service.ReadImage(body.Span, started));
                }
                default:
                    throw InputException.Unsupported(
                        $"Content-Type '{request.ContentType}' is not accepted; send application/json or an image ({string.Join(", ", PredictApi.ImageTypes)}).");
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
}
