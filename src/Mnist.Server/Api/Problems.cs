using Microsoft.AspNetCore.Http.HttpResults;
using Mnist.Server.Batching;

namespace Mnist.Server.Api;

/// <summary>ProblemDetails answers (<c>application/problem+json</c>) for the handlers' error outcomes.</summary>
internal static class Problems
{
    public static ProblemHttpResult From(InputException e) => TypedResults.Problem(
        detail: e.Message,
        statusCode: e.Status,
        title: e.Title,
        extensions: e.Pointer is null ? null : new Dictionary<string, object?> { ["pointer"] = e.Pointer });

    public static ProblemHttpResult From(ServiceUnavailableException e) => TypedResults.Problem(
        detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable");

    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(
        detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
