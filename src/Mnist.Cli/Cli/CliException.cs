namespace Mnist.Cli.Cli;

/// <summary>
/// A failure to report to the person at the terminal: one <c>error:</c> line, then what to do next. Commands throw it
/// instead of printing, so every command reports the same way (<see cref="ErrorReporter"/>).
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(string message, string? hint = null, int exitCode = ExitCodes.Failure)
        : base(message)
    {
        Hint = hint;
        ExitCode = exitCode;
    }

    public CliException()
        : this("the command failed")
    {
    }

    public CliException(string message)
        : this(message, hint: null)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Failure;
    }

    /// <summary>What to do next (a command to run, an option to change); null when the message says it all.</summary>
    public string? Hint { get; }

    /// <summary><see cref="ExitCodes.Failure"/> or <see cref="ExitCodes.Usage"/>.</summary>
    public int ExitCode { get; }

    /// <summary>A usage error (exit 2): the command line is wrong.</summary>
    public static CliException Usage(string message, string? hint = null) => new(message, hint, ExitCodes.Usage);
}
