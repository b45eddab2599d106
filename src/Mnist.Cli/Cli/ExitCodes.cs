namespace Mnist.Cli.Cli;

/// <summary>
/// The exit codes of every <c>mnist</c> command, so scripts can tell a mistake in the command line from a failed run.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command line was fine but the work failed: a missing or unreadable file, a model that does not load,
    /// an input that could not be recognized, a port in use.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: unknown command or option, a missing or malformed value, a value out of
    /// range. Nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
