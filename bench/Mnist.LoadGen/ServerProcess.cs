using System.Globalization;

namespace Mnist.LoadGen;

/// <summary>
/// Finds the process whose memory to sample. <c>$!</c> after <c>timeout 600 dotnet Server.dll &amp;</c> or
/// <c>(cd x &amp;&amp; dotnet Server.dll) &amp;</c> is the wrapper (timeout, a subshell: ~2 MB resident), not the server, so
/// a PID is only a starting point: the process that listens on the target port, looked for among that PID and its
/// descendants (or among all processes with <c>auto</c>), is the one sampled.
/// </summary>
internal static class ServerProcess
{
    /// <summary>The server's PID and how it was found, or null when there is nothing to sample.</summary>
    /// <param name="given">The PID from <c>--server-pid</c>; null for <c>auto</c>.</param>
    /// <param name="port">The TCP port the server listens on.</param>
    public static (int Pid, string How)? Resolve(int? given, int port)
    {
        HashSet<long> sockets = ListeningSocketInodes(port);
        IEnumerable<int> candidates = given is { } root ? SelfAndDescendants(root) : AllPids();
        foreach (int pid in candidates)
        {
            if (sockets.Count > 0 && OwnsSocket(pid, sockets))
                return (pid, given == pid ? $"listens on :{port}" : $"listens on :{port}, found from {(given is null ? "all processes" : $"PID {given}")}");
        }
        if (given is not { } p || !File.Exists($"/proc/{p}/status")) return null;
        // No listener visible (another user's process, or not listening yet): the largest process of the tree.
        int best = SelfAndDescendants(p).MaxBy(q => ReadRssKb(q) ?? -1);
        return (best, best == p ? "as given (no listener found)" : $"largest descendant of PID {p} (no listener found)");
    }

    /// <summary>VmRSS of <paramref name="pid"/> in kB, or null when the process is gone or the field is missing.</summary>
    public static long? ReadRssKb(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                // "VmRSS:\t  107696 kB"
                string[] parts = line[6..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>The process name and the start of its command line, for the report.</summary>
    public static string Describe(int pid)
    {
        try
        {
            string cmd = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return cmd.Length > 100 ? cmd[..100] + "…" : cmd;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    private static IEnumerable<int> SelfAndDescendants(int root)
    {
        var queue = new Queue<int>([root]);
        var seen = new HashSet<int>();
        while (queue.TryDequeue(out int pid))
        {
            if (!seen.Add(pid)) continue;
            yield return pid;
            foreach (int child in Children(pid)) queue.Enqueue(child);
        }
    }

    private static IEnumerable<int> Children(int pid)
    {
        var children = new List<int>();
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string path = Path.Combine(task, "children");
                if (!File.Exists(path)) continue;
                foreach (string s in File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int c)) children.Add(c);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return children;
    }

    private static IEnumerable<int> AllPids()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) yield return pid;
    }

    /// <summary>Inodes of sockets listening on <paramref name="port"/> (IPv4 and IPv6), from /proc/net/tcp{,6}.</summary>
    private static HashSet<long> ListeningSocketInodes(int port)
    {
        var inodes = new HashSet<long>();
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] != "0A") continue; // 0A = LISTEN
                int colon = f[1].LastIndexOf(':');
                if (colon < 0 || !int.TryParse(f[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int p) || p != port) continue;
                if (long.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out long inode) && inode != 0) inodes.Add(inode);
            }
        }
        return inodes;
    }

    private static bool OwnsSocket(int pid, HashSet<long> inodes)
    {
        try
        {
            foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                // Links read "socket:[12345]".
                string? target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out long inode)
                    && inodes.Contains(inode))
                    return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return false;
    }
}
