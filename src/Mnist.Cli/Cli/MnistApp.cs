using System.Reflection;
using System.Runtime.InteropServices;
using Mnist.Cli.Commands;
using Spectre.Console.Cli;

namespace Mnist.Cli.Cli;

/// <summary>A command of <c>mnist</c>: its words (<c>train</c>, <c>bench engine</c>) and its settings type.</summary>
internal sealed record CommandEntry(string Path, Type Settings);

/// <summary>
/// The <c>mnist</c> command line: strict parsing (an unknown option is an error, never ignored), <c>--version</c>, and
/// every failure reported by <see cref="ErrorReporter"/> with the exit codes of <see cref="ExitCodes"/>.
/// </summary>
internal static class MnistApp
{
    /// <summary>Every command, for "did you mean" and for naming the command in messages.</summary>
    public static readonly IReadOnlyList<CommandEntry> Commands =
    [
        new("data", typeof(DataSettings)),
        new("export", typeof(ExportCommand.Settings)),
        new("train", typeof(TrainCommand.Settings)),
        new("eval", typeof(EvalCommand.Settings)),
        new("bench engine", typeof(BenchEngineCommand.Settings)),
        new("serve", typeof(ServeCommand.Settings)),
        new("predict", typeof(PredictCommand.Settings)),
        new("read", typeof(ReadCommand.Settings)),
    ];

    /// <summary>The version printed by <c>mnist --version</c> (the assembly's informational version, without the
    /// source-revision suffix).</summary>
    public static string Version
    {
        get
        {
            string? v = typeof(MnistApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            return v?.Split('+')[0] ?? "0.0.0";
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("mnist");
            config.SetApplicationVersion(Version);
            // Unknown options fail instead of being passed on as "remaining arguments" (a typo must not run the default).
            config.UseStrictParsing();
            config.CancellationExitCode(ExitCodes.Interrupted);
            config.SetExceptionHandler((e, _) => ErrorReporter.Handle(e, args));
            config.AddCommand<DataCommand>("data").WithDescription("Fetch (mirrors + SHA-256) and verify a dataset.");
            config.AddCommand<ExportCommand>("export").WithDescription("Convert an ONNX model to ONNX (re-export with the model card, optionally its folds' unseen-writer figures), int8 ONNX or TFLite.");
            config.AddCommand<TrainCommand>("train").WithDescription("Train a recipe: live progress or --json lines, checkpoints, --resume, model + metrics + report.");
            config.AddCommand<EvalCommand>("eval").WithDescription("Accuracy, per-class accuracy and confusion matrix of a model on the test set.");
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Measure speed.");
                bench.AddCommand<BenchEngineCommand>("engine").WithDescription("Training and inference speed of the managed engine (libtorch peer's fields).");
            });
            config.AddCommand<ServeCommand>("serve").WithDescription("Run the HTTP server (Flask-compatible /mnist, /v1 API, web app) on a model.");
            config.AddCommand<PredictCommand>("predict").WithDescription("Recognize digits in image files and .jsonl stroke files.");
            config.AddCommand<ReadCommand>("read").WithDescription("Read whole numbers (several digits on one line) in image files and .jsonl stroke files.");
        });

        // A command group without its command ("mnist", "mnist bench") is an incomplete command line: show what can
        // follow, as usage errors do, and exit 2.
        if (args.Length == 0 || args is ["bench"])
        {
            await app.RunAsync([.. args, "--help"]).ConfigureAwait(false);
            ErrorReporter.Write(args.Length == 0 ? "no command given." : "'mnist bench' needs a command: engine.",
                args.Length == 0 ? "Run 'mnist COMMAND --help' for a command's options." : "Run 'mnist bench engine --help' for its options.");
            return ExitCodes.Usage;
        }
        if (UsageErrors.MissingValue(args) is { } option)
        {
            CommandEntry command = Find(args)!;
            ErrorReporter.Write($"{option} needs a value.", $"Run 'mnist {command.Path} --help' for the usage.");
            return ExitCodes.Usage;
        }
        // Ctrl+C and SIGTERM (a service manager, `timeout`, CI) both ask the command to stop: the token is cancelled and the
        // command ends with exit 130. A second signal is not held back, so a stuck command can still be killed.
        using var interrupted = new CancellationTokenSource();
        int signals = 0;
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = Interlocked.Increment(ref signals) == 1;
            interrupted.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        int code = await app.RunAsync(args, interrupted.Token).ConfigureAwait(false);
        return interrupted.IsCancellationRequested && code == ExitCodes.Ok && Find(args)?.Path != "serve" ? ExitCodes.Interrupted : code;
    }

    /// <summary>The command that <paramref name="args"/> run, by their leading words; null when none matches.</summary>
    public static CommandEntry? Find(IReadOnlyList<string> args)
    {
        var words = args.TakeWhile(a => !a.StartsWith('-')).Take(2).ToArray();
        return Commands.FirstOrDefault(c => words.Length >= c.Path.Split(' ').Length
            && string.Join(' ', words.Take(c.Path.Split(' ').Length)) == c.Path);
    }
}
