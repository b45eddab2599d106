using Mnist.Inference;
using Mnist.Server.Observability;

namespace Mnist.Server.Models;

/// <summary>
/// Holds the model being served and swaps it atomically on reload. Readers take <see cref="Current"/> once per batch;
/// a replaced model is disposed after the swap, and its classifier finishes the calls already running on it
/// (<see cref="IDigitClassifier"/>'s Dispose waits for them), so no request fails because of a reload.
/// </summary>
public sealed partial class ModelStore(ModelLoader loader, ServerMetrics metrics, ILogger<ModelStore> logger) : IDisposable
{
    private readonly Lock _reloadLock = new();
    private ServedModel? _current;
    private string? _lastRejectedSha;

    /// <summary>The model being served, or null before the first successful load.</summary>
    public ServedModel? Current => Volatile.Read(ref _current);

    /// <summary>The configured model file (absolute).</summary>
    public string Path { get; internal set; } = "";

    /// <summary>Why the last load or reload failed; null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>Loads the file at <see cref="Path"/> and serves it, unless it is the model already served.
    /// A file that cannot be loaded is rejected with a log line, and the current model keeps serving.</summary>
    /// <returns>True when a new model is now served.</returns>
    public bool TryLoad()
    {
        lock (_reloadLock)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Reject(null, $"cannot read the file: {e.Message}");
            }
            string sha = ModelInfo.HashBytes(bytes);
            ServedModel? old = Current;
            if (old is not null && old.Sha256 == sha) return false;
            if (sha == _lastRejectedSha) return false; // already logged; wait for a different file
            ServedModel next;
            try
            {
                next = loader.Load(bytes, Path);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Reject(sha, e.Message);
            }
            Volatile.Write(ref _current, next);
            _lastRejectedSha = null;
            LastError = null;
            if (old is null)
            {
                LogLoaded(logger, next.Info.Name, next.Info.Runtime, sha[..12], Path);
            }
            else
            {
                metrics.RecordReload(success: true);
                LogReloaded(logger, old.Info.Name, old.Sha256[..12], next.Info.Name, sha[..12]);
                old.Dispose(); // running calls finish on the old classifier first
            }
            return true;
        }
    }

    /// <summary>Serves <paramref name="model"/> (tests and hosts that load models themselves).</summary>
    public void Set(ServedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_reloadLock)
        {
            ServedModel? old = Interlocked.Exchange(ref _current, model);
            old?.Dispose();
        }
    }

    /// <summary>Disposes the served model.</summary>
    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Dispose();

    private bool Reject(string? sha, string reason)
    {
        LastError = reason;
        _lastRejectedSha = sha;
        if (Current is null)
        {
            LogNotLoaded(logger, Path, reason);
        }
        else
        {
            metrics.RecordReload(success: false);
            LogRejected(logger, Path, reason, Current.Info.Name, Current.Sha256[..12]);
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model {Name} ({Runtime}, sha256 {Sha}…) from {Path}")]
    private static partial void LogLoaded(ILogger logger, string name, string runtime, string sha, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model reloaded: {OldName} ({OldSha}…) → {NewName} ({NewSha}…)")]
    private static partial void LogReloaded(ILogger logger, string oldName, string oldSha, string newName, string newSha);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model file {Path} rejected: {Reason}. Still serving {Name} ({Sha}…)")]
    private static partial void LogRejected(ILogger logger, string path, string reason, string name, string sha);

    [LoggerMessage(Level = LogLevel.Error, Message = "No model is served: {Path}: {Reason}. /readyz answers 503 until a valid file appears there.")]
    private static partial void LogNotLoaded(ILogger logger, string path, string reason);
}
