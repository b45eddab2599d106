namespace Mnist.Engine.IO;

/// <summary>
/// Writes files so that readers see either the old file or the complete new one, never a partial write: the content
/// goes to a temporary file beside the target (<c>.NAME.GUID.tmp</c>), is flushed to disk, then renamed over the
/// target. On any failure — a full disk included — the temporary file is removed and the target is untouched.
/// </summary>
public static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        // A span cannot be captured by the callback; the bytes are written here and the rest is shared.
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temp = TemporaryFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes whatever <paramref name="write"/> puts in the stream to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temp = TemporaryFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes the temporary files a killed process may have left in <paramref name="folder"/>.</summary>
    /// <returns>How many were deleted.</returns>
    public static int DeleteLeftovers(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int n = 0;
        foreach (string f in Directory.EnumerateFiles(folder, ".*" + TemporarySuffix))
        {
            File.Delete(f);
            n++;
        }
        return n;
    }

    /// <summary>Deletes <paramref name="path"/> if it can; a file that cannot be deleted is left (cleanup must not
    /// hide the error that led to it).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string TemporaryFor(string full) =>
        Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TemporarySuffix}");
}
