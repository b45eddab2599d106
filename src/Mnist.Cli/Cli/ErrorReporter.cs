using Spectre.Console.Cli;

namespace Mnist.Cli.Cli;

/// <summary>
/// The one place that prints failures: <c>error: message</c> on stderr, then a line saying what to do next, and the exit
/// code (<see cref="ExitCodes"/>). Exception type names and stack traces never reach the terminal.
/// </summary>
internal static class ErrorReporter
{
    /// <summary>Prints <paramref name="e"/> and returns the exit code for it.</summary>
    public static int Handle(Exception e, IReadOnlyList<string> args)
    {
        switch (e)
        {
            case CliException cli:
                Write(cli.Message, cli.Hint);
                return cli.ExitCode;
            case OperationCanceledException:
                Write("interrupted.", null);
                return ExitCodes.Interrupted;
            case CommandAppException app:
                (string message, string? hint) = UsageErrors.Describe(app, args);
                Write(message, hint);
                return ExitCodes.Usage;
            default:
                // Not foreseen by any command: the message is still worth showing, the type and stack are not.
                Write(Sentence(e.Message), "This is a bug in mnist if the message does not explain it; please report it with the command line.");
                return ExitCodes.Failure;
        }
    }

    /// <summary>Writes <c>error: message</c> and the hint, if any, to stderr.</summary>
    public static void Write(string message, string? hint)
    {
        Console.Error.WriteLine("error: " + message);
        if (hint is not null) Console.Error.WriteLine(hint);
    }

    /// <summary>Starts the message in lower case (it follows "error: "), unless it starts with a name like "MNIST".</summary>
    public static string Sentence(string message)
    {
        message = message.Trim();
        if (message.Length >= 2 && char.IsUpper(message[0]) && char.IsLower(message[1]))
            return char.ToLowerInvariant(message[0]) + message[1..];
        return message;
    }
}
