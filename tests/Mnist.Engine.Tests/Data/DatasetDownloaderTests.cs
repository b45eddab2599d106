using System.Security.Cryptography;
using Mnist.Engine.Data;

namespace Mnist.Engine.Tests.Data;

public sealed class DatasetDownloaderTests : IDisposable
{
    private readonly LoopbackServer _server = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly TempDir _dir = new();
    private readonly byte[] _payload;
    private readonly DatasetFile _file;

    public DatasetDownloaderTests()
    {
        // Random labels, so the .gz is not tiny (about 25 KB) and streams in several reads.
        var rng = new StreamRandom(77);
        var labels = new byte[50_000];
        for (int i = 0; i < labels.Length; i++) labels[i] = (byte)rng.NextInt(10);
        string tmp = _dir.File("seed.gz");
        IdxFile.WriteLabels(tmp, labels);
        _payload = File.ReadAllBytes(tmp);
        File.Delete(tmp);
        _file = new DatasetFile("train-labels-idx1-ubyte", IdxKind.Labels, MnistSplit.Train, 50_000, _payload.Length,
            Convert.ToHexStringLower(SHA256.HashData(_payload)), "unused");
    }

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _dir.Dispose();
    }

    private DatasetInfo Dataset(params string[] mirrors) =>
        DatasetCatalog.Mnist with { Files = [_file], Mirrors = [.. mirrors.Select(_server.Mirror)] };

    [Fact]
    public async Task Downloads_from_the_first_working_mirror_with_progress()
    {
        _server.Files["/b/" + _file.GzName] = _payload;
        var progress = new List<DownloadProgress>();
        var downloader = new DatasetDownloader(_http);
        string path = await downloader.DownloadAsync(Dataset("a", "b"), _file, _dir.Path, progress.Add);

        Assert.Equal(_dir.File(_file.GzName), path);
        Assert.Equal(_payload, File.ReadAllBytes(path));
        Assert.Equal([_file.GzName], _dir.Files());
        Assert.Equal(_payload.Length, progress[^1].BytesReceived);
        Assert.All(progress, p => Assert.Equal(_payload.Length, p.TotalBytes));
        Assert.Equal(["/a/" + _file.GzName, "/b/" + _file.GzName], _server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Resumes_a_partial_file_with_a_range_request()
    {
        _server.Files["/a/" + _file.GzName] = _payload;
        int have = _payload.Length / 3;
        File.WriteAllBytes(_dir.File(_file.GzName + ".part"), _payload[..have]);

        var progress = new List<DownloadProgress>();
        await new DatasetDownloader(_http).DownloadAsync(Dataset("a"), _file, _dir.Path, progress.Add);

        Assert.Equal($"bytes={have}-", Assert.Single(_server.Requests).Range);
        Assert.Equal(have, progress[0].BytesReceived);
        Assert.Equal(_payload, File.ReadAllBytes(_dir.File(_file.GzName)));
        Assert.Equal([_file.GzName], _dir.Files());
    }

    [Fact]
    public async Task Server_ignoring_range_restarts_cleanly()
    {
        _server.SupportsRange = false;
        _server.Files["/a/" + _file.GzName] = _payload;
        File.WriteAllBytes(_dir.File(_file.GzName + ".part"), _payload[..(_payload.Length / 2)]);
        await new DatasetDownloader(_http).DownloadAsync(Dataset("a"), _file, _dir.Path);
        Assert.Equal(_payload, File.ReadAllBytes(_dir.File(_file.GzName)));
        Assert.Equal([_file.GzName], _dir.Files());
    }

    [Fact]
    public async Task Checksum_mismatch_deletes_the_partial_and_tries_the_next_mirror()
    {
        byte[] corrupt = (byte[])_payload.Clone();
        corrupt[corrupt.Length / 2] ^= 0xFF;
        _server.Files["/bad/" + _file.GzName] = corrupt;
        _server.Files["/good/" + _file.GzName] = _payload;

        await new DatasetDownloader(_http).DownloadAsync(Dataset("bad", "good"), _file, _dir.Path);

        Assert.Equal(_payload, File.ReadAllBytes(_dir.File(_file.GzName)));
        Assert.Equal([_file.GzName], _dir.Files());
        // The second mirror started from zero: the corrupt partial had been deleted.
        Assert.All(_server.Requests, r => Assert.Null(r.Range));
    }

    [Fact]
    public async Task All_mirrors_failing_gives_a_clear_error_and_no_file()
    {
        byte[] corrupt = (byte[])_payload.Clone();
        corrupt[10] ^= 1;
        _server.Files["/bad/" + _file.GzName] = corrupt;
        var e = await Assert.ThrowsAsync<DownloadException>(() =>
            new DatasetDownloader(_http).DownloadAsync(Dataset("missing", "bad"), _file, _dir.Path));

        Assert.Contains($"Could not download {_file.GzName}; tried 2 mirror(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains(_server.Mirror("missing") + _file.GzName + ": HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains(_server.Mirror("bad") + _file.GzName + ": SHA-256 mismatch", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Attempts.Count);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public async Task Wrong_size_is_rejected_without_writing()
    {
        _server.Files["/a/" + _file.GzName] = [.. _payload, 1, 2, 3];
        var e = await Assert.ThrowsAsync<DownloadException>(() =>
            new DatasetDownloader(_http).DownloadAsync(Dataset("a"), _file, _dir.Path));
        Assert.Contains("expected " + _payload.Length, e.Message, StringComparison.Ordinal);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        _server.Files["/a/" + _file.GzName] = _payload;
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new DatasetDownloader(_http).DownloadAsync(Dataset("a"), _file, _dir.Path, cancellationToken: cts.Token));
        Assert.False(File.Exists(_dir.File(_file.GzName)));
    }

    [Fact]
    public async Task DownloadMissing_skips_present_files()
    {
        _server.Files["/a/" + _file.GzName] = _payload;
        var dataset = Dataset("a");
        var written = await new DatasetDownloader(_http).DownloadMissingAsync(dataset, _dir.Path);
        Assert.Single(written);
        Assert.Empty(DatasetDownloader.MissingFiles(dataset, _dir.Path));
        Assert.Empty(await new DatasetDownloader(_http).DownloadMissingAsync(dataset, _dir.Path));
        Assert.Single(_server.Requests);
    }
}
