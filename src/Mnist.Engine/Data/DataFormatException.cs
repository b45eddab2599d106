namespace Mnist.Engine.Data;

/// <summary>
/// A dataset file or folder is missing or does not hold what it should: bad magic number, truncated
/// data, wrong dimensions, image/label count mismatch, checksum mismatch. The message names the file
/// and the problem, and is meant to be shown to the user as is.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public DataFormatException() { }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public DataFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public DataFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for <paramref name="path"/>, prefixing the message with the file name.</summary>
    public DataFormatException(string? path, string problem, Exception? innerException = null)
        : base(path is null ? problem : $"{path}: {problem}", innerException)
    {
        FilePath = path;
    }

    /// <summary>The file or folder at fault, when there is one.</summary>
    public string? FilePath { get; }
}
