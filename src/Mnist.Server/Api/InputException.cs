namespace Mnist.Server.Api;

/// <summary>A client mistake in a request: becomes a <c>application/problem+json</c> answer with <see cref="Status"/>.</summary>
public sealed class InputException : Exception
{
    /// <summary>Creates the exception (400).</summary>
    public InputException() : this(StatusCodes.Status400BadRequest, "Bad request", "The request is malformed.") { }

    /// <summary>Creates the exception (400) with a message.</summary>
    public InputException(string message) : this(StatusCodes.Status400BadRequest, "Bad request", message) { }

    /// <summary>Creates the exception (400) with a message and a cause.</summary>
    public InputException(string message, Exception innerException) : base(message, innerException)
    {
        Status = StatusCodes.Status400BadRequest;
        Title = "Bad request";
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="status">A 4xx status.</param>
    /// <param name="title">A short, fixed summary for the status (ProblemDetails <c>title</c>).</param>
    /// <param name="detail">What exactly is wrong (ProblemDetails <c>detail</c>).</param>
    /// <param name="pointer">A JSON pointer to the offending value, when there is one.</param>
    public InputException(int status, string title, string detail, string? pointer = null) : base(detail)
    {
        Status = status;
        Title = title;
        Pointer = pointer;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>ProblemDetails title.</summary>
    public string Title { get; }

    /// <summary>JSON pointer to the offending value, or null.</summary>
    public string? Pointer { get; }

    /// <summary>400: not JSON, or the wrong JSON types.</summary>
    public static InputException Malformed(string detail, string? pointer = null) => new(StatusCodes.Status400BadRequest, "Malformed request", detail, pointer);

    /// <summary>422: well-formed, but the values are not acceptable.</summary>
    public static InputException Invalid(string detail, string? pointer = null) => new(StatusCodes.Status422UnprocessableEntity, "Invalid input", detail, pointer);

    /// <summary>413: too big.</summary>
    public static InputException TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail);

    /// <summary>415: a content type the endpoint does not take.</summary>
    public static InputException Unsupported(string detail) => new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);
}
