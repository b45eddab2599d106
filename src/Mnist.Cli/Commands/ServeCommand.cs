using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mnist.Cli.Cli;
using Mnist.Server;
using Mnist.Server.Serving;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist serve</c>: runs the HTTP server, built by the same <see cref="MnistServer.CreateApp"/> as
/// <c>dotnet run --project src/Mnist.Server</c>, until SIGTERM or Ctrl+C (requests in flight are finished first; exit 0).
/// Every switch of the server is an option here; further ASP.NET Core and <c>Mnist:</c> settings pass through after
/// <c>--</c>, e.g. <c>-- --Mnist:Batching:QueueCapacity=500</c>. Unlike the server project, which waits for a missing
/// model to appear, <c>mnist serve</c> is run by a person who wants that model served now: a model that cannot be
/// loaded ends it with an error (exit 1).
/// </summary>
internal sealed class ServeCommand : AsyncCommand<ServeCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--model <FILE>")]
        [Description("The ONNX model to serve (default: models/mnist.onnx, searched upwards from the current directory). Reloaded when the file changes.")]
        public string? Model { get; init; }

        [CommandOption("--urls <URL>")]
        [Description("Where to listen, e.g. http://127.0.0.1:5080 (default http://localhost:5000); several separated by ';'.")]
        public string? Urls { get; init; }

        [CommandOption("--engine <ENGINE>")]
        [Description("onnxruntime (default) or managed (the project's own engine).")]
        public string? Engine { get; init; }

        [CommandOption("--precision <PRECISION>")]
        [Description("auto (default: the int8 companion NAME.int8.onnx when it matches the model, else float), float, or int8 (requires the companion).")]
        public string? Precision { get; init; }

        [CommandOption("--threads <N>")]
        [Description("ONNX Runtime intra-op threads per batch (default 1).")]
        public int? Threads { get; init; }

        [CommandOption("--max-batch <N>")]
        [Description("Largest micro-batch given to the model (default 64).")]
        public int? MaxBatch { get; init; }

        [CommandOption("--max-delay-us <N>")]
        [Description("How long a partly filled batch may wait for more digits while the server is busy, in microseconds (default 1000).")]
        public int? MaxDelayUs { get; init; }

        [CommandOption("--workers <N>")]
        [Description("Batches that may run at the same time (default: the core count).")]
        public int? Workers { get; init; }

        public override ValidationResult Validate()
        {
            if (Engine is not (null or "onnxruntime" or "managed")) return ValidationResult.Error($"--engine must be onnxruntime or managed (got '{Engine}').");
            if (Precision is not (null or "auto" or "float" or "int8")) return ValidationResult.Error($"--precision must be auto, float or int8 (got '{Precision}').");
            if (Precision == "int8" && Engine == "managed") return ValidationResult.Error("--precision int8 needs --engine onnxruntime: the managed engine runs float models only.");
            if (Threads is < 1 or > 64) return ValidationResult.Error("--threads must be 1..64.");
            if (MaxBatch is < 1 or > 4096) return ValidationResult.Error("--max-batch must be 1..4096.");
            if (MaxDelayUs is < 0 or > 1_000_000) return ValidationResult.Error("--max-delay-us must be 0..1000000.");
            if (Workers is < 1 or > 64) return ValidationResult.Error("--workers must be 1..64.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var args = new List<string>();
        if (settings.Model is not null)
        {
            InputFiles.RequireOnnxModel(settings.Model);
            // Loaded once here, before the server starts listening, so a broken file is reported before any "Now
            // listening" line; the server loads it again with its own options.
            if (settings.Engine != "managed") PredictModelLocator.Load(settings.Model).Dispose();
            args.AddRange(["--model", Path.GetFullPath(settings.Model)]);
        }
        void Add(string option, object? value)
        {
            if (value is not null) args.AddRange([option, Convert.ToString(value, CultureInfo.InvariantCulture)!]);
        }
        Add("--urls", settings.Urls);
        Add("--engine", settings.Engine);
        Add("--precision", settings.Precision);
        Add("--threads", settings.Threads);
        Add("--max-batch", settings.MaxBatch);
        Add("--max-delay-us", settings.MaxDelayUs);
        Add("--workers", settings.Workers);
        // A failed start is reported once below, as an error line; the host's own log of it is a stack trace.
        args.Add("--Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host=None");
        args.AddRange(context.Remaining.Raw);

        await using var app = MnistServer.CreateApp([.. args]);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Kestrel's bind failure: "Failed to bind to address http://127.0.0.1:5080: address already in use."
            throw new CliException(ErrorReporter.Sentence(e.Message),
                "Another program listens there; choose a free port with --urls http://127.0.0.1:PORT.");
        }
        catch (Exception e) when (e is OptionsValidationException or ArgumentException or InvalidOperationException)
        {
            throw new CliException(ErrorReporter.Sentence(e.Message), "Run 'mnist serve --help' for the options.", ExitCodes.Usage);
        }

        var store = app.Services.GetRequiredService<ModelStore>();
        if (store.Current is null)
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw new CliException($"cannot serve '{store.Path}': {(store.LastError ?? "the model did not load").TrimEnd('.')}.",
                "Give an ONNX model with --model FILE.onnx (a training run writes model.onnx); with --precision int8 its NAME.int8.onnx companion too.");
        }

        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
