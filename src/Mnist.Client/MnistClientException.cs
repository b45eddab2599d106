using System.Net;

namespace Mnist.Client;

/// <summary>A recognition or model download that failed for a reason other than cancellation or bad input.</summary>
public sealed class MnistClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MnistClientException() { }

    /// <summary>Creates the exception with a message.</summary>
    public MnistClientException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public MnistClientException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for an HTTP answer.</summary>
    public MnistClientException(string message, HttpStatusCode statusCode, Exception? innerException = null) : base(message, innerException) =>
        StatusCode = statusCode;

    /// <summary>The server's status code when it answered; null for network failures and local errors.</summary>
    public HttpStatusCode? StatusCode { get; }
}
