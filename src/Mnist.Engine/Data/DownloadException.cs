namespace Mnist.Engine.Data;

/// <summary>A file could not be fetched from any mirror. The message lists every URL tried and why it failed.</summary>
public sealed class DownloadException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public DownloadException() { }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public DownloadException(string message) : base(message) { }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public DownloadException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for <paramref name="fileName"/> from the failed attempts.</summary>
    public DownloadException(string fileName, IReadOnlyList<string> attempts)
        : base($"Could not download {fileName}; tried {attempts.Count} mirror(s):{Environment.NewLine}" +
               string.Join(Environment.NewLine, attempts.Select(a => "  - " + a)))
    {
        FileName = fileName;
        Attempts = attempts;
    }

    /// <summary>The file that could not be fetched.</summary>
    public string? FileName { get; }

    /// <summary>One line per attempt: the URL and what went wrong.</summary>
    public IReadOnlyList<string> Attempts { get; } = [];
}
