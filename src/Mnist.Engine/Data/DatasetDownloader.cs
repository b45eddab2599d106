using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Mnist.Engine.IO;

namespace Mnist.Engine.Data;

/// <summary>
/// Fetches a dataset's .gz files from its mirrors, in order, verifying each against the catalogue's
/// size and SHA-256.
/// </summary>
/// <remarks>
/// Bytes stream into <c>NAME.gz.part</c> beside the target. An existing .part (from an interrupted run)
/// is resumed with an HTTP Range request; a server that ignores the range simply sends the whole file
/// again. Only a file whose SHA-256 matches is renamed (atomically) to its final name, so the final name
/// never holds a partial or corrupt file. A checksum mismatch deletes the .part and moves on to the next
/// mirror; a network failure keeps it so the next mirror (or the next run) resumes it. Mirror copies are
/// byte-identical, which is what makes resuming across mirrors sound: the checksum has the last word.
/// </remarks>
public sealed class DatasetDownloader
{
    private const int BufferSize = 1 << 16;
    private readonly HttpClient _http;

    /// <summary>Creates a downloader that sends its requests through <paramref name="http"/> (not disposed).</summary>
    public DatasetDownloader(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>The suffix of partial downloads.</summary>
    public const string PartialSuffix = ".part";

    /// <summary>The files of <paramref name="dataset"/> that <paramref name="folder"/> holds neither raw nor compressed.</summary>
    public static IReadOnlyList<DatasetFile> MissingFiles(DatasetInfo dataset, string folder)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return [.. dataset.Files.Where(f => f.FindIn(folder) is null)];
    }

    /// <summary>Downloads every missing file of <paramref name="dataset"/> into <paramref name="folder"/> (created if needed).</summary>
    /// <returns>The paths written.</returns>
    /// <exception cref="DownloadException">A file failed on every mirror.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IReadOnlyList<string>> DownloadMissingAsync(
        DatasetInfo dataset, string folder, Action<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var file in MissingFiles(dataset, folder))
            written.Add(await DownloadAsync(dataset, file, folder, progress, cancellationToken).ConfigureAwait(false));
        return written;
    }

    /// <summary>Downloads <paramref name="file"/> (its .gz) into <paramref name="folder"/>, trying each mirror in order.</summary>
    /// <returns>The path of the verified file.</returns>
    /// <exception cref="DownloadException">Every mirror failed; the message lists each URL and its failure.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the .part is kept for resuming).</exception>
    public async Task<string> DownloadAsync(
        DatasetInfo dataset, DatasetFile file, string folder, Action<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(file);
        Directory.CreateDirectory(folder);
        string target = Path.Combine(folder, file.GzName);
        string part = target + PartialSuffix;
        var attempts = new List<string>();
        if (dataset.Mirrors.Count == 0)
            attempts.Add("(the catalogue lists no mirror for this dataset)");
        foreach (var mirror in dataset.Mirrors)
        {
            var url = new Uri(mirror, file.GzName);
            string? failure = await TryMirrorAsync(file, url, part, progress, cancellationToken).ConfigureAwait(false);
            if (failure == Restart)
            {
                failure = await TryMirrorAsync(file, url, part, progress, cancellationToken).ConfigureAwait(false);
                if (failure == Restart) failure = "the server's range responses are inconsistent";
            }
            if (failure is null)
            {
                File.Move(part, target, overwrite: true);
                return target;
            }
            attempts.Add($"{url}: {failure}");
        }
        throw new DownloadException(file.GzName, attempts);
    }

    /// <summary>SHA-256 of a file as lowercase hex.</summary>
    public static string Sha256Hex(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private const string Restart = "\0restart";

    // Returns null on success (the .part holds the verified file), Restart when the .part must be
    // discarded and the same mirror tried again from zero, or a failure description.
    private async Task<string?> TryMirrorAsync(
        DatasetFile file, Uri url, string part, Action<DownloadProgress>? progress, CancellationToken ct)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (have > file.GzBytes)
        {
            File.Delete(part);
            have = 0;
        }
        if (have == file.GzBytes)
        {
            // A complete .part from an earlier run: verify it before fetching anything.
            if (VerifyPart(file, part) is null) return null;
            File.Delete(part);
            have = 0;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
            {
                File.Delete(part);
                return Restart;
            }
            if (!response.IsSuccessStatusCode)
                return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";

            bool append = false;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                if (have == 0 || response.Content.Headers.ContentRange?.From != have)
                {
                    AtomicFile.TryDelete(part);
                    return Restart;
                }
                append = true;
            }
            long start = append ? have : 0;
            if (response.Content.Headers.ContentLength is long length && start + length != file.GzBytes)
                return $"server sends {start + length} bytes, expected {file.GzBytes} (not the official file)";

            long received = start;
            progress?.Invoke(new(file.GzName, received, file.GzBytes, url));
            await using (var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
            await using (var output = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                var buffer = new byte[BufferSize];
                int n;
                while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    if (received + n > file.GzBytes)
                    {
                        await output.DisposeAsync().ConfigureAwait(false);
                        File.Delete(part);
                        return $"server sends more than the expected {file.GzBytes} bytes (not the official file)";
                    }
                    await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    received += n;
                    progress?.Invoke(new(file.GzName, received, file.GzBytes, url));
                }
                await output.FlushAsync(ct).ConfigureAwait(false);
            }
            if (received < file.GzBytes)
                return $"connection ended after {received} of {file.GzBytes} bytes (partial file kept for resuming)";
            string? mismatch = VerifyPart(file, part);
            if (mismatch is not null)
            {
                File.Delete(part);
                return mismatch;
            }
            return null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            string what = e is OperationCanceledException ? "timed out" : e.Message;
            bool kept = File.Exists(part) && new FileInfo(part).Length > 0;
            return kept ? $"{what} (partial file kept for resuming)" : what;
        }
    }

    private static string? VerifyPart(DatasetFile file, string part)
    {
        string actual = Sha256Hex(part);
        return string.Equals(actual, file.GzSha256, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"SHA-256 mismatch: got {actual}, expected {file.GzSha256} (partial file deleted)";
    }
}
