namespace Mnist.Engine.Tests.TestSupport;

/// <summary>A kernel result differs from its reference beyond the named tolerance.</summary>
public sealed class ParityMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ParityMismatchException() { }

    /// <summary>Creates the exception with a message giving the index, expected, actual and max difference.</summary>
    public ParityMismatchException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping another.</summary>
    public ParityMismatchException(string message, Exception inner) : base(message, inner) { }
}
