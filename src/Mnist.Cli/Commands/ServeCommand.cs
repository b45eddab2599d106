using System.ComponentModel;
using Mnist.Server;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist serve [--model FILE] [--urls URL] [--engine onnxruntime|managed]</c>: runs the HTTP server, built by the
/// same <see cref="MnistServer.CreateApp"/> as <c>dotnet run --project src/Mnist.Server</c>, until SIGTERM or Ctrl+C
/// (requests in flight are finished first). Further ASP.NET Core and <c>Mnist:</c> settings pass through after
/// <c>--</c>, e.g. <c>-- --Mnist:Batching:MaxBatchSize=32</c>.
/// </summary>
internal sealed class ServeCommand : AsyncCommand<ServeCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>")]
        [Description("The ONNX model to serve (default: models/mnist.onnx, searched upwards from the current directory). Reloaded when the file changes.")]
        public string? Model { get; init; }

        [CommandOption("--urls <URL>")]
        [Description("Where to listen, e.g. http://127.0.0.1:5080 (default http://localhost:5000).")]
        public string? Urls { get; init; }

        [CommandOption("--engine <ENGINE>")]
        [Description("onnxruntime (default) or managed (the project's own engine).")]
        public string? Engine { get; init; }

        public override ValidationResult Validate() =>
            Engine is null or "onnxruntime" or "managed" ? ValidationResult.Success() : ValidationResult.Error($"--engine must be onnxruntime or managed (got '{Engine}').");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var args = new List<string>();
        if (settings.Model is not null)
        {
            if (!File.Exists(settings.Model)) AnsiConsole.MarkupLineInterpolated($"[yellow]note:[/] {settings.Model} does not exist yet; the server waits for it (/readyz answers 503 until then).");
            args.AddRange(["--model", Path.GetFullPath(settings.Model)]);
        }
        if (settings.Urls is not null) args.AddRange(["--urls", settings.Urls]);
        if (settings.Engine is not null) args.AddRange(["--engine", settings.Engine]);
        args.AddRange(context.Remaining.Raw);
        await using var app = MnistServer.CreateApp([.. args]);
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
