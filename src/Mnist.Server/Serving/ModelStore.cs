using Mnist.Inference;
using Mnist.Server.Observability;

namespace Mnist.Server.Serving;

/// <summary>
/// Holds the model being served and swaps it atomically on reload. Readers take <see cref="Current"/> once per batch;
/// a replaced model is disposed after the swap, and its classifier finishes the calls already running on it
/// (<see cref="IDigitClassifier"/>'s Dispose waits for them), so no request fails because of a reload.
/// </summary>
public sealed partial class ModelStore(ModelLoader loader, ServerMetrics metrics, ILogger<ModelStore> logger) : IDisposable
{
    private readonly Lock _reloadLock = new();
    private ServedModel? _current;
    private string? _lastRejectedKey;
    private string? _lastGoodSha;

    /// <summary>The model being served, or null before the first successful load.</summary>
    public ServedModel? Current => Volatile.Read(ref _current);

    /// <summary>The configured model file (absolute).</summary>
    public string Path { get; internal set; } = "";

    /// <summary>Why the last load or reload failed; null after a success. For the log: it may name server paths.</summary>
    public string? LastError { get; private set; }

    /// <summary><see cref="LastError"/> fit for a response body: folders removed, so a client learns which file is
    /// wrong (by name) but nothing of the server's layout.</summary>
    public string? PublicError => LastError is { } e ? RedactPaths(e) : null;

    /// <summary>Removes the folder part of every absolute path in <paramref name="text"/> (the model's folder by
    /// value, then anything that looks like a Unix or Windows absolute path), keeping file names.</summary>
    internal string RedactPaths(string text)
    {
        string? folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder)) text = text.Replace(folder + System.IO.Path.DirectorySeparatorChar, "", StringComparison.Ordinal);
        return AbsolutePathFolders().Replace(text, "");
    }

    // A run of "/segment/" or "C:\segment\" at the start of a word: the folders of an absolute path (the last
    // segment, the file name, has no separator after it and stays).
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w.])(?:[A-Za-z]:)?(?:[\\/][^\\/\s'""`]+)+(?=[\\/])[\\/]")]
    private static partial System.Text.RegularExpressions.Regex AbsolutePathFolders();

    /// <summary>The int8 companion looked for beside <see cref="Path"/> (<see cref="ModelLoader.CompanionPath"/>).</summary>
    public string CompanionPath => ModelLoader.CompanionPath(Path);

    /// <summary>Loads the file at <see cref="Path"/> (and its int8 companion, when the precision allows one) and serves
    /// it, unless it is the model already served. A file that cannot be loaded is rejected with a log line, and the
    /// current model keeps serving; a companion that does not match the file is ignored with a log line.</summary>
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
                return Reject(null, $"cannot read the file: {e.Message}") || FallBackToLastGood();
            }
            byte[]? int8Bytes = null;
            if (loader.UsesCompanion && File.Exists(CompanionPath))
            {
                try
                {
                    int8Bytes = File.ReadAllBytes(CompanionPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Being replaced right now: the watcher will see the new file; until then, the float model.
                    LogCompanionUnreadable(logger, CompanionPath, e.Message);
                }
            }
            string sha = ModelInfo.HashBytes(bytes);
            // The key says which files were offered, not which one won, so an unchanged pair is not loaded again.
            string key = sha + "|" + (int8Bytes is null ? "" : ModelInfo.HashBytes(int8Bytes));
            ServedModel? old = Current;
            if (old is not null && old.OfferedKey == key) return false;
            if (key == _lastRejectedKey) return false; // already logged; wait for a different file
            ServedModel next;
            try
            {
                next = loader.Load(bytes, Path, int8Bytes);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Reject(key, e.Message) || FallBackToLastGood();
            }
            next.OfferedKey = key;
            Volatile.Write(ref _current, next);
            _lastRejectedKey = null;
            LastError = null;
            if (next.Int8 is null && int8Bytes is not null) LogCompanionIgnored(logger, CompanionPath, next.PrecisionReason);
            SaveLastGood(bytes, sha);
            if (old is null)
            {
                LogLoaded(logger, next.Info.Name, next.Info.Runtime, next.Precision, sha[..12], Path, next.PrecisionReason);
            }
            else
            {
                metrics.RecordReload(success: true);
                LogReloaded(logger, old.Info.Name, old.Sha256[..12], old.Precision, next.Info.Name, sha[..12], next.Precision, next.PrecisionReason);
                old.Dispose(); // running calls finish on the old classifier first
            }
            return true;
        }
    }

    /// <summary>Where a copy of the last model that loaded is kept: <c>.NAME.last-good</c> beside <see cref="Path"/>.</summary>
    public string LastGoodPath =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path) ?? "", "." + System.IO.Path.GetFileName(Path) + ".last-good");

    // After a successful load: keep a copy, so that a restart (after a crash, a kill -9 in the middle of a reload, a
    // reboot) while the file at Path is bad still serves the last model that worked. Written atomically and only when
    // it changes; a folder the server may not write to costs the fallback, nothing else.
    private void SaveLastGood(byte[] bytes, string sha)
    {
        if (sha == _lastGoodSha) return;
        try
        {
            Mnist.Engine.IO.AtomicFile.WriteAllBytes(LastGoodPath, bytes);
            _lastGoodSha = sha;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogLastGoodNotSaved(logger, LastGoodPath, e.Message);
        }
    }

    // No model is served and the configured file is unusable: serve the last good copy, if there is one. The error
    // stays in LastError (and /readyz says ready, from the copy); a valid file at Path replaces it as usual.
    private bool FallBackToLastGood()
    {
        if (Current is not null || !File.Exists(LastGoodPath)) return false;
        try
        {
            byte[] bytes = File.ReadAllBytes(LastGoodPath);
            ServedModel model = loader.Load(bytes, Path, null);
            model.OfferedKey = "last-good";
            _lastGoodSha = ModelInfo.HashBytes(bytes);
            Volatile.Write(ref _current, model);
            LogServingLastGood(logger, Path, LastError ?? "", model.Info.Name, model.Sha256[..12]);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogLastGoodNotSaved(logger, LastGoodPath, e.Message);
            return false;
        }
    }

    /// <summary>Disposes the served model.</summary>
    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Dispose();

    private bool Reject(string? key, string reason)
    {
        LastError = reason;
        _lastRejectedKey = key;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model {Name} ({Runtime}, {Precision}, sha256 {Sha}…) from {Path}: {Why}")]
    private static partial void LogLoaded(ILogger logger, string name, string runtime, string precision, string sha, string path, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model reloaded: {OldName} ({OldSha}…, {OldPrecision}) → {NewName} ({NewSha}…, {NewPrecision}): {Why}")]
    private static partial void LogReloaded(ILogger logger, string oldName, string oldSha, string oldPrecision, string newName, string newSha, string newPrecision, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Int8 companion {Path} ignored, predictions run on the float model: {Reason}")]
    private static partial void LogCompanionIgnored(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Int8 companion {Path} cannot be read ({Reason}); loading the float model alone")]
    private static partial void LogCompanionUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model file {Path} rejected: {Reason}. Still serving {Name} ({Sha}…)")]
    private static partial void LogRejected(ILogger logger, string path, string reason, string name, string sha);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model file {Path} is unusable ({Reason}); serving the last good copy, {Name} ({Sha}…), until a valid file appears there")]
    private static partial void LogServingLastGood(ILogger logger, string path, string reason, string name, string sha);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Last good model copy {Path} not written or not loadable: {Reason}")]
    private static partial void LogLastGoodNotSaved(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "No model is served: {Path}: {Reason}. /readyz answers 503 until a valid file appears there.")]
    private static partial void LogNotLoaded(ILogger logger, string path, string reason);
}
