using System.Net;
using System.Net.Http.Headers;

namespace Mnist.Client;

/// <summary>What <see cref="ModelUpdater.UpdateAsync"/> did.</summary>
public enum ModelUpdateOutcome
{
    /// <summary>The server's model has the ETag of the local file (HTTP 304): nothing was downloaded.</summary>
    NotModified,

    /// <summary>A new model was downloaded, replaced the file and was swapped into the recognizer.</summary>
    Updated,
}

/// <summary>The result of an update check.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="ETag">The ETag of the model now in use.</param>
/// <param name="Bytes">Bytes downloaded (0 when not modified).</param>
public sealed record ModelUpdateResult(ModelUpdateOutcome Outcome, string? ETag, long Bytes);

/// <summary>
/// Keeps the on-device model current: <c>GET /v1/models/current.onnx</c> with <c>If-None-Match</c> set to the ETag
/// of the file already on the device; on 200 the body is streamed to a temporary file beside the model, checked,
/// loaded (which validates it), atomically renamed over the model file, and swapped into the
/// <see cref="OnDeviceDigitRecognizer"/>. A failed, interrupted or unverifiable download leaves the current file and
/// model untouched.
/// </summary>
/// <remarks>
/// <para>Nothing in the download is trusted until checked (docs/security.md): the server must be reached over https
/// (plain http only on loopback, or with <see cref="MnistClientOptions.AllowInsecureModelDownloads"/>); the body may
/// not exceed <see cref="MnistClientOptions.MaxModelBytes"/> (refused from Content-Length, or as soon as more
/// arrives); the body must arrive within <see cref="MnistClientOptions.ModelDownloadTimeout"/> (the HTTP pipeline's
/// timeouts end with the headers); and its SHA-256 must equal the strong ETag, which the server defines as the
/// file's SHA-256, so a truncated or altered body is never installed.</para>
/// <para>The ETag is kept next to the model in <c>&lt;model&gt;.etag</c>. Both files are written to temporaries and
/// flushed to disk before either is renamed; and the <c>.etag</c> is believed only when it names the SHA-256 of the
/// model file beside it, so a crash between the two renames cannot leave a pair that claims the wrong version.</para>
/// </remarks>
public sealed class ModelUpdater
{
    /// <summary>The model's path on the server, relative to its root.</summary>
    public const string ModelPath = "v1/models/current.onnx";

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly long _maxBytes;
    private readonly TimeSpan _bodyTimeout;
    private readonly bool _allowInsecure;

    /// <summary>Creates an updater with the default limits; <paramref name="http"/>'s base address is the server's root.</summary>
    public ModelUpdater(HttpClient http)
        : this(http, new MnistClientOptions())
    {
    }

    /// <summary>Creates an updater with the limits of <paramref name="options"/> (<c>AddMnistClient</c> uses this one).</summary>
    [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor]
    public ModelUpdater(HttpClient http, Microsoft.Extensions.Options.IOptions<MnistClientOptions> options)
        : this(http, (options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    private ModelUpdater(HttpClient http, MnistClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _maxBytes = options.MaxModelBytes > 0 ? options.MaxModelBytes : throw new ArgumentException("MaxModelBytes must be positive.", nameof(options));
        _bodyTimeout = options.ModelDownloadTimeout > TimeSpan.Zero ? options.ModelDownloadTimeout : throw new ArgumentException("ModelDownloadTimeout must be positive.", nameof(options));
        _allowInsecure = options.AllowInsecureModelDownloads;
    }

    /// <summary>Checks for a new model and installs it.</summary>
    /// <param name="recognizer">The recognizer to swap the model into.</param>
    /// <param name="modelPath">The model file on the device (created when missing).</param>
    /// <param name="cancellationToken">Cancels the check or the download.</param>
    /// <exception cref="MnistClientException">The server refused, the download failed, was too large, too slow or did
    /// not match its ETag, the connection was not secure, or the file is not a usable model.</exception>
    public async Task<ModelUpdateResult> UpdateAsync(OnDeviceDigitRecognizer recognizer, string modelPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        CheckTransport();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string fullPath = Path.GetFullPath(modelPath);
            string etagPath = fullPath + ".etag";
            string? localETag = await LocalETagAsync(fullPath, etagPath, cancellationToken).ConfigureAwait(false);

            using var request = new HttpRequestMessage(HttpMethod.Get, ModelPath);
            if (localETag is { Length: > 0 } && EntityTagHeaderValue.TryParse(localETag, out EntityTagHeaderValue? tag))
                request.Headers.IfNoneMatch.Add(tag);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new MnistClientException($"The server could not be reached: {e.Message}", e);
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.NotModified)
                {
                    if (!recognizer.HasModel) recognizer.LoadModel(fullPath);
                    return new ModelUpdateResult(ModelUpdateOutcome.NotModified, localETag, 0);
                }
                if (!response.IsSuccessStatusCode) throw await RemoteDigitRecognizer.ErrorAsync(response, cancellationToken).ConfigureAwait(false);
                string etag = response.Headers.ETag is { IsWeak: false } strong ? strong.Tag : "";
                string expectedSha = etag.Trim('"');
                if (expectedSha.Length != 64 || !expectedSha.All(char.IsAsciiHexDigit))
                    throw new MnistClientException($"The server's ETag ({(etag.Length == 0 ? "none" : etag)}) is not the model's SHA-256, so the download cannot be verified; not installed.");
                if (response.Content.Headers.ContentLength > _maxBytes)
                    throw new MnistClientException($"The model is {response.Content.Headers.ContentLength} bytes; at most {_maxBytes} are accepted.");

                string directory = Path.GetDirectoryName(fullPath)!;
                Directory.CreateDirectory(directory);
                // Same directory as the target, so the final renames are atomic (same volume).
                string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.download");
                string etagTemp = etagPath + $".{Guid.NewGuid():N}.tmp";
                try
                {
                    (long bytes, string sha) = await DownloadAsync(response.Content, temp, cancellationToken).ConfigureAwait(false);
                    long? expected = response.Content.Headers.ContentLength;
                    if (expected is long n && n != bytes)
                        throw new MnistClientException($"The model download was cut short: {bytes} of {n} bytes.");
                    if (!sha.Equals(expectedSha, StringComparison.OrdinalIgnoreCase))
                        throw new MnistClientException($"The downloaded model's SHA-256 ({sha[..12]}…) is not its ETag ({expectedSha[..Math.Min(12, expectedSha.Length)]}…): altered or corrupted in transit; not installed.");
                    byte[] model = await File.ReadAllBytesAsync(temp, cancellationToken).ConfigureAwait(false);
                    recognizer.LoadModel(model, Path.GetFileNameWithoutExtension(fullPath)); // validates before the file is replaced
                    // Both files are complete and on disk before either is renamed.
                    await using (var file = new FileStream(etagTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                    {
                        await file.WriteAsync(System.Text.Encoding.ASCII.GetBytes(etag), cancellationToken).ConfigureAwait(false);
                        file.Flush(flushToDisk: true);
                    }
                    File.Move(temp, fullPath, overwrite: true);
                    File.Move(etagTemp, etagPath, overwrite: true);
                    return new ModelUpdateResult(ModelUpdateOutcome.Updated, etag, bytes);
                }
                finally
                {
                    if (File.Exists(temp)) File.Delete(temp);
                    if (File.Exists(etagTemp)) File.Delete(etagTemp);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // A model runs as code in the app: its transport must be authenticated unless it never leaves this machine.
    private void CheckTransport()
    {
        Uri? root = _http.BaseAddress;
        if (root is null || _allowInsecure) return;
        if (root.Scheme != Uri.UriSchemeHttps && !root.IsLoopback)
            throw new MnistClientException($"Model updates need https: {root.Scheme}://{root.Host} is neither https nor this machine (set AllowInsecureModelDownloads to override).");
    }

    // The ETag of the file on the device: the .etag beside it when that names the file's SHA-256 (the server's
    // ETag is the SHA-256), else none, so a stale or torn pair makes the next check download rather than trust it.
    private static async Task<string?> LocalETagAsync(string fullPath, string etagPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(fullPath) || !File.Exists(etagPath)) return null;
        string etag = (await File.ReadAllTextAsync(etagPath, cancellationToken).ConfigureAwait(false)).Trim();
        string sha;
        await using (var file = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true))
            sha = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        return etag.Trim('"').Equals(sha, StringComparison.OrdinalIgnoreCase) ? etag : null;
    }

    /// <summary>Streams the body to <paramref name="path"/>, hashing it, within the size cap and the body timeout,
    /// and flushes it to disk. Returns the byte count and the SHA-256 (lower-case hex).</summary>
    private async Task<(long Bytes, string Sha256)> DownloadAsync(HttpContent content, string path, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_bodyTimeout);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        long bytes = 0;
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            Stream body = await content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                int read;
                while ((read = await body.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    bytes += read;
                    if (bytes > _maxBytes) throw new MnistClientException($"The model is over {_maxBytes} bytes, the most accepted; download stopped.");
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), timeout.Token).ConfigureAwait(false);
                }
            }
            await file.FlushAsync(timeout.Token).ConfigureAwait(false);
            file.Flush(flushToDisk: true); // on disk before the rename makes it the model
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MnistClientException($"The model download took longer than {_bodyTimeout.TotalSeconds:0.#} s; stopped after {bytes} bytes.", e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new MnistClientException($"The model download failed after {bytes} bytes: {e.Message}", e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return (bytes, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
