using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Mnist.Engine.Data;

/// <summary>
/// Checks a dataset folder against the catalogue: every present file must parse as IDX with the
/// catalogued sample count, and must match a checksum.
/// </summary>
/// <remarks>
/// A .gz file passes when its SHA-256 is the official one, or — for re-compressed copies such as
/// Debian's, whose gzip header differs — when the SHA-256 of its decompressed content is the
/// catalogued content hash. A raw file passes on the content hash. When a file exists both raw and
/// compressed, both are checked.
/// </remarks>
public static class DatasetVerifier
{
    /// <summary>Verifies every file of <paramref name="dataset"/> in <paramref name="folder"/>; one result per present variant, or one "missing" result.</summary>
    public static IReadOnlyList<FileCheck> Verify(DatasetInfo dataset, string folder)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var results = new List<FileCheck>();
        foreach (var file in dataset.Files)
        {
            string raw = Path.Combine(folder, file.Name), gz = Path.Combine(folder, file.GzName);
            bool any = false;
            foreach (string path in new[] { gz, raw })
            {
                if (!File.Exists(path)) continue;
                any = true;
                results.Add(VerifyFile(file, path));
            }
            if (!any)
                results.Add(new FileCheck(file, gz, 0, false, $"missing (looked for {file.Name} and {file.GzName})", null));
        }
        return results;
    }

    /// <summary>Verifies one file (raw or gzip) against its catalogue entry.</summary>
    public static FileCheck VerifyFile(DatasetFile file, string path)
    {
        ArgumentNullException.ThrowIfNull(file);
        long bytes = new FileInfo(path).Length;
        bool gzip = IdxFile.IsGzip(path);
        string? officialGz = null;
        if (gzip && bytes == file.GzBytes)
            officialGz = string.Equals(DatasetDownloader.Sha256Hex(path), file.GzSha256, StringComparison.OrdinalIgnoreCase) ? "ok (sha256)" : null;

        int count;
        string contentHash;
        try
        {
            (count, contentHash) = ParseAndHash(file, path);
        }
        catch (DataFormatException e)
        {
            return new FileCheck(file, path, bytes, false, Problem(e, path), null);
        }
        if (count != file.Count)
            return new FileCheck(file, path, bytes, false, $"count mismatch: {count} samples, expected {file.Count}", count);
        if (officialGz is not null)
            return new FileCheck(file, path, bytes, true, officialGz, count);
        if (string.Equals(contentHash, file.ContentSha256, StringComparison.OrdinalIgnoreCase))
            return new FileCheck(file, path, bytes, true, gzip ? "ok (content sha256; re-compressed copy)" : "ok (content sha256)", count);
        string which = gzip ? $"sha256 {DatasetDownloader.Sha256Hex(path)}, expected {file.GzSha256}" : $"content sha256 {contentHash}, expected {file.ContentSha256}";
        return new FileCheck(file, path, bytes, false, $"checksum mismatch: {which}", count);
    }

    // Parses the file (so every format error surfaces with its message) and hashes the decompressed
    // IDX bytes, rebuilding the header from the parsed dimensions (it is fully determined by them).
    private static (int Count, string ContentSha256) ParseAndHash(DatasetFile file, string path)
    {
        int[] dims;
        byte[] data;
        if (file.Kind == IdxKind.Images)
        {
            var images = IdxFile.ReadImages(path);
            dims = [images.Count, images.Rows, images.Cols];
            data = images.Pixels;
        }
        else
        {
            data = IdxFile.ReadLabels(path);
            dims = [data.Length];
        }
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, (int)file.Kind);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(header);
        hash.AppendData(data);
        return (dims[0], Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static string Problem(DataFormatException e, string path)
    {
        // The exception message starts with the path; the table already shows the file.
        string prefix = path + ": ";
        return e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message;
    }
}
