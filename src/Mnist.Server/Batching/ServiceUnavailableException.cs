namespace Mnist.Server.Batching;

/// <summary>The server cannot classify right now (no model, queue full, shutting down): HTTP 503.</summary>
public sealed class ServiceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceUnavailableException() { }

    /// <summary>Creates the exception with a message.</summary>
    public ServiceUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ServiceUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
