namespace Mnist.Cli.Reports;

/// <summary>File helpers for run outputs.</summary>
internal static class ReportFiles
{
    /// <summary>Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/>, flushes it to disk and renames it over the target.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Deletes temporary files a killed process may have left in <paramref name="folder"/> (".name.guid.tmp").</summary>
    public static int DeleteStaleTemporaries(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int n = 0;
        foreach (string f in Directory.EnumerateFiles(folder, ".*.tmp"))
        {
            File.Delete(f);
            n++;
        }
        return n;
    }
}
