using System.ComponentModel;
using Mnist.Cli.Cli;
using Mnist.Engine.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mnist.Cli.Commands;

/// <summary>Options of <c>mnist data</c>.</summary>
internal sealed class DataSettings : CommandSettings
{
    [CommandOption("--dataset <NAME>")]
    [Description("Dataset: mnist or fashion.")]
    [DefaultValue("mnist")]
    public string Dataset { get; init; } = "mnist";

    [CommandOption("--data <DIR>")]
    [Description("Data folder (default: $MNIST_DATA for mnist, /usr/share/datasets/fashion-mnist for fashion if installed, else the per-user cache).")]
    public string? Data { get; init; }

    [CommandOption("--mirror <URL>")]
    [Description("Extra mirror base URL, tried before the built-in ones (repeatable); e.g. an internal mirror.")]
    public string[] Mirrors { get; init; } = [];
}

/// <summary>
/// <c>mnist data</c>: finds the data folder, downloads missing files from the mirrors (SHA-256 checked,
/// resumable), then verifies every file and prints a table. Exit code 0 only when all files verify.
/// </summary>
internal sealed class DataCommand : AsyncCommand<DataSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DataSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            cts.Cancel();
        }
        Console.CancelKeyPress += OnCancel;
        try
        {
            return await RunAsync(settings, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            ErrorReporter.Write("interrupted.", "A partial download is kept as *.part and resumes next time.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is DownloadException or HttpRequestException)
        {
            throw new CliException(ErrorReporter.Sentence(e.Message), OfflineHint(settings));
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(ErrorReporter.Sentence(e.Message));
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    private static async Task<int> RunAsync(DataSettings settings, CancellationToken ct)
    {
        if (!DatasetCatalog.TryGet(settings.Dataset, out var dataset))
            throw CliException.Usage($"unknown dataset '{settings.Dataset}'. Known: {string.Join(", ", DatasetCatalog.All.Select(d => d.Id))}.");
        var extra = new List<Uri>();
        foreach (string m in settings.Mirrors)
        {
            if (!Uri.TryCreate(m.EndsWith('/') ? m : m + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw CliException.Usage($"--mirror {m}: not an absolute http(s) URL.");
            extra.Add(uri);
        }
        if (extra.Count > 0) dataset = dataset with { Mirrors = [.. extra, .. dataset.Mirrors] };
        var location = DataLocator.Resolve(dataset, settings.Data);
        string folder = location.Folder;
        AnsiConsole.MarkupLine($"{dataset.DisplayName} data folder: [bold]{Markup.Escape(folder)}[/] [grey]({Markup.Escape(location.Describe())})[/]");

        if (!Directory.Exists(folder))
        {
            if (location.Source != DataLocationSource.UserCache)
                throw new CliException($"data folder {folder} (from {location.Describe()}) does not exist.",
                    $"Create it to download {dataset.DisplayName} into it, or leave out --data and ${dataset.EnvironmentVariable} to use the per-user cache " +
                    $"{DataLocator.UserCacheFolder(dataset)}.");
            Directory.CreateDirectory(folder);
        }

        var missing = DatasetDownloader.MissingFiles(dataset, folder);
        if (missing.Count > 0)
            await DownloadAsync(dataset, folder, missing, ct).ConfigureAwait(false);

        IReadOnlyList<FileCheck> results = [];
        await AnsiConsole.Status().StartAsync("Verifying checksums and parsing files…", async _ =>
            results = await Task.Run(() => DatasetVerifier.Verify(dataset, folder), ct).ConfigureAwait(false)).ConfigureAwait(false);

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("file").AddColumn(new TableColumn("size").RightAligned()).AddColumn("status").AddColumn(new TableColumn("count").RightAligned());
        foreach (var r in results)
        {
            table.AddRow(
                Markup.Escape(Path.GetFileName(r.Path)),
                r.Bytes > 0 ? $"{r.Bytes:N0}" : "-",
                r.Ok ? $"[green]{Markup.Escape(r.Status)}[/]" : $"[red]{Markup.Escape(r.Status)}[/]",
                r.Count is int n ? $"{n:N0}" : "-");
        }
        AnsiConsole.Write(table);

        int bad = results.Count(r => !r.Ok);
        if (bad > 0)
        {
            foreach (var r in results.Where(r => !r.Ok))
                Console.Error.WriteLine($"{r.Path}: {r.Status}");
            throw new CliException($"{bad} of {results.Count} file checks failed in {folder}.",
                "Delete the files marked above and run 'mnist data' again to fetch them afresh.");
        }
        // Each sample is an image file entry plus a label file entry: count the images only.
        int samples = dataset.Files.Where(f => f.Kind == IdxKind.Images).Sum(f => f.Count);
        AnsiConsole.MarkupLine($"[green]All {results.Count} files verified[/] ({samples:N0} samples).");
        return ExitCodes.Ok;
    }

    private static async Task DownloadAsync(DatasetInfo dataset, string folder, IReadOnlyList<DatasetFile> missing, CancellationToken ct)
    {
        AnsiConsole.MarkupLine($"Downloading {missing.Count} missing file(s) from {dataset.Mirrors.Count} mirror(s)…");
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("mnist-cs/0.1");
        var downloader = new DatasetDownloader(http);
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                foreach (var file in missing)
                {
                    var task = progress.AddTask(Markup.Escape(file.GzName), maxValue: file.GzBytes);
                    await downloader.DownloadAsync(dataset, file, folder, p => task.Value = p.BytesReceived, ct).ConfigureAwait(false);
                    task.Value = file.GzBytes;
                    task.StopTask();
                }
            }).ConfigureAwait(false);
        AnsiConsole.MarkupLine($"Downloaded {string.Join(", ", missing.Select(f => Markup.Escape(f.GzName)))} (SHA-256 verified).");
    }

    /// <summary>How to get the data without a network: the files can be copied in by hand.</summary>
    private static string OfflineHint(DataSettings settings)
    {
        DatasetCatalog.TryGet(settings.Dataset, out var dataset);
        string files = dataset is null ? "the dataset's files" : string.Join(", ", dataset.Files.Select(f => f.GzName));
        return $"Offline? Copy {files} (from any MNIST mirror) into a folder and pass --data DIR (or set $MNIST_DATA); " +
            "'mnist data --data DIR' then verifies them. --mirror URL adds a mirror to try first.";
    }
}
