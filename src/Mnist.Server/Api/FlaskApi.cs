using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Mnist.Engine.Preprocessing;
using Mnist.Server.Batching;
using Mnist.Wire;

using Mnist.Imaging;

namespace Mnist.Server.Api;

/// <summary>
/// The original Flask server's API, wire-compatible: <c>GET /mnist</c> an upload form, <c>POST /mnist</c> a
/// multipart form whose field <c>mnist_image</c> holds the image → <c>{"filename","pred_number","pred_label"}</c>.
/// Unlike the original, the upload is read into memory only (never saved under the client's file name), and bad
/// input is a ProblemDetails 4xx instead of a redirect.
/// </summary>
public static class FlaskApi
{
    /// <summary>The form field holding the image.</summary>
    public const string Field = "mnist_image";

    private const string Form = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>MNIST digit upload</title></head>
        <body>
        <h1>Upload a digit</h1>
        <form method="post" action="/mnist" enctype="multipart/form-data">
          <input type="file" name="mnist_image" accept="image/*" required>
          <input type="submit" value="Upload">
        </form>
        <p>The answer is JSON: <code>{"filename", "pred_number", "pred_label"}</code>. See also <a href="/">the drawing app</a> and <a href="/scalar">the API reference</a>.</p>
        </body>
        </html>
        """;

    /// <summary>Maps <c>/mnist</c>.</summary>
    public static RouteGroupBuilder MapFlaskApi(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapGet("/", UploadForm)
            .WithName("UploadForm")
            .WithSummary("The original server's HTML upload form")
            .Produces(StatusCodes.Status200OK, contentType: "text/html");
        group.MapPost("/", Upload)
            .WithName("FlaskPredict")
            .WithSummary("Recognize an uploaded image (multipart field mnist_image), answered as the original Flask server did")
            .Accepts<IFormFile>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }

    /// <summary>The original server's HTML upload form.</summary>
    public static ContentHttpResult UploadForm() => TypedResults.Content(Form, "text/html; charset=utf-8", Encoding.UTF8);

    /// <summary>Recognize an uploaded image (multipart field mnist_image), answered as the original Flask server did.</summary>
    public static async Task<Results<Ok<FlaskPredictionResponse>, ProblemHttpResult>> Upload(
        HttpRequest request, PredictionService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(service);
        long started = Stopwatch.GetTimestamp();
        try
        {
            (string filename, PreprocessResult prepared) = await ReadUploadAsync(request, service, cancellationToken).ConfigureAwait(false);
            PredictionResponse p = await service.ClassifyAsync(prepared, started, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new FlaskPredictionResponse(filename, p.Digit, [p.Probabilities], p.NoDigit));
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

    /// <summary>Streams the multipart body: the <c>mnist_image</c> part is read into a bounded buffer and
    /// preprocessed; other parts are skipped. Nothing touches the disk.</summary>
    private static async Task<(string FileName, PreprocessResult Prepared)> ReadUploadAsync(HttpRequest request, PredictionService service, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? media)
            || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw InputException.Unsupported($"Send multipart/form-data with the image in field '{Field}' (got Content-Type '{request.ContentType}').");
        string boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value ?? "";
        if (boundary.Length is 0 or > 200) throw InputException.Malformed("The multipart Content-Type has no valid boundary.");

        int limit = service.Limits.MaxImageBytes;
        long? declared = request.ContentLength;
        if (declared > limit + 65536L) throw InputException.TooLarge($"The upload has {declared} bytes; at most {limit} bytes of image are accepted.");
        var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 16, HeadersLengthLimit = 8192, BodyLengthLimit = limit };
        try
        {
            for (int parts = 0; ; parts++)
            {
                if (parts >= 16) throw InputException.Malformed("Too many parts in the form.");
                MultipartSection? section = await reader.ReadNextSectionAsync(ct).ConfigureAwait(false);
                if (section is null) throw InputException.Malformed($"The form has no file field '{Field}'.");
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? cd)
                    || !string.Equals(HeaderUtilities.RemoveQuotes(cd.Name).Value, Field, StringComparison.Ordinal))
                    continue; // the reader skips the rest of this part when asked for the next one
                string name = HeaderUtilities.RemoveQuotes(cd.FileNameStar.HasValue ? cd.FileNameStar : cd.FileName).Value ?? "";
                using RequestBody buffer = await RequestBody.ReadAsync(section.Body, limit, ct).ConfigureAwait(false);
                if (buffer.Length == 0) throw InputException.Malformed($"The file in field '{Field}' is empty.");
                using (await service.EnterDecodeAsync(ct).ConfigureAwait(false))
                    return (CleanFileName(name), service.PreprocessImage(buffer.Span));
            }
        }
        catch (BadHttpRequestException e)
        {
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? InputException.TooLarge("The upload is over the size limit.")
                : new InputException(e.StatusCode, "Bad request", e.Message);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            throw InputException.TooLarge($"The upload is over the limits (image at most {limit} bytes): {e.Message}");
        }
        catch (Exception e) when (e is InvalidDataException or IOException && !ct.IsCancellationRequested)
        {
            throw InputException.Malformed($"The multipart body is malformed: {e.Message}");
        }
    }

    /// <summary>The client's file name as echoed back: the last path segment, without control characters, at most
    /// 255 characters. It is only echoed, never used as a path.</summary>
    internal static string CleanFileName(string name)
    {
        int slash = Math.Max(name.LastIndexOf('/'), name.LastIndexOf('\\'));
        if (slash >= 0) name = name[(slash + 1)..];
        var sb = new StringBuilder(Math.Min(name.Length, 255));
        foreach (char c in name)
        {
            if (sb.Length == 255) break;
            if (!char.IsControl(c)) sb.Append(c);
        }
        return sb.ToString();
    }
}
