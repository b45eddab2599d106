using Microsoft.Extensions.Options;
using Mnist.Server.Hosting;

namespace Mnist.Server.Serving;

/// <summary>
/// Loads the model at startup and reloads it when the file changes: a <see cref="FileSystemWatcher"/> on the file's
/// directory (events are debounced, so an atomic rename or a burst of writes causes one reload), plus polling of the
/// file's size and time stamp as a fallback where events do not arrive (network and container file systems).
/// </summary>
public sealed partial class ModelReloadService(ModelStore store, IOptions<MnistServerOptions> options, IHostEnvironment environment,
    ILogger<ModelReloadService> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(150);

    private readonly MnistServerOptions _options = options.Value;
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;
    private Timer? _poll;
    private ((long Length, DateTime Modified) Model, (long Length, DateTime Modified) Companion) _seen;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Path = ModelFileLocator.Resolve(_options.ModelPath, environment.ContentRootPath, Directory.GetCurrentDirectory(), AppContext.BaseDirectory);
        _seen = Stamp();
        store.TryLoad();
        _debounce = new Timer(_ => Check(force: true));
        string? dir = System.IO.Path.GetDirectoryName(store.Path);
        if (dir is not null && Directory.Exists(dir))
        {
            try
            {
                _watcher = new FileSystemWatcher(dir)
                {
                    NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
                };
                // The int8 companion too: it may be deployed after the float file it was quantized from.
                _watcher.Filters.Add(System.IO.Path.GetFileName(store.Path));
                _watcher.Filters.Add(System.IO.Path.GetFileName(store.CompanionPath));
                _watcher.Deleted += OnEvent;
                _watcher.Changed += OnEvent;
                _watcher.Created += OnEvent;
                _watcher.Renamed += OnEvent;
                _watcher.EnableRaisingEvents = true;
            }
            catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
            {
                LogNoWatcher(logger, dir, e.Message);
                _watcher?.Dispose();
                _watcher = null;
            }
        }
        if (_options.ReloadPollSeconds > 0)
        {
            TimeSpan period = TimeSpan.FromSeconds(_options.ReloadPollSeconds);
            _poll = new Timer(_ => Check(force: false), null, period, period);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _watcher?.Dispose();
        _watcher = null;
        _poll?.Dispose();
        _poll = null;
        _debounce?.Dispose();
        _debounce = null;
    }

    private void OnEvent(object sender, FileSystemEventArgs e) => _debounce?.Change(Debounce, Timeout.InfiniteTimeSpan);

    private void Check(bool force)
    {
        try
        {
            var stamp = Stamp();
            if (!force && stamp == _seen && store.Current is not null) return;
            _seen = stamp;
            if (stamp.Model.Length > 0) store.TryLoad();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A timer callback must never take the process down.
            LogCheckFailed(logger, e.Message);
        }
    }

    private ((long Length, DateTime Modified) Model, (long Length, DateTime Modified) Companion) Stamp() =>
        (StampOf(store.Path), StampOf(store.CompanionPath));

    private static (long Length, DateTime Modified) StampOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : (0, default);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot watch {Directory} for model changes ({Reason}); polling only.")]
    private static partial void LogNoWatcher(ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model file check failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}
