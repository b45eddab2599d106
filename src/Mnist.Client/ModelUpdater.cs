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
/// of the file already on the device; on 200 the body is streamed to a temporary file beside the model, loaded (which
/// validates it), atomically renamed over the model file, and swapped into the <see cref="OnDeviceDigitRecognizer"/>.
/// A failed or interrupted download leaves the current file and model untouched.
/// </summary>
/// <remarks>The ETag is kept next to the model in <c>&lt;model&gt;.etag</c>.</remarks>
public sealed class ModelUpdater
{
    /// <summary>The model's path on the server, relative to its root.</summary>
    public const string ModelPath = "v1/models/current.onnx";

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates an updater; <paramref name="http"/>'s base address is the server's root.</summary>
    public ModelUpdater(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>Checks for a new model and installs it.</summary>
    /// <param name="recognizer">The recognizer to swap the model into.</param>
    /// <param name="modelPath">The model file on the device (created when missing).</param>
    /// <param name="cancellationToken">Cancels the check or the download.</param>
    /// <exception cref="MnistClientException">The server refused, the download failed, or the file is not a usable model.</exception>
    public async Task<ModelUpdateResult> UpdateAsync(OnDeviceDigitRecognizer recognizer, string modelPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string fullPath = Path.GetFullPath(modelPath);
            string etagPath = fullPath + ".etag";
            string? localETag = File.Exists(fullPath) && File.Exists(etagPath) ? (await File.ReadAllTextAsync(etagPath, cancellationToken).ConfigureAwait(false)).Trim() : null;

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

                string directory = Path.GetDirectoryName(fullPath)!;
                Directory.CreateDirectory(directory);
                // Same directory as the target, so the final rename is atomic (same volume).
                string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.download");
                try
                {
                    long bytes;
                    await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                    {
                        await response.Content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                        bytes = file.Length;
                    }
                    long? expected = response.Content.Headers.ContentLength;
                    if (expected is long n && n != bytes)
                        throw new MnistClientException($"The model download was cut short: {bytes} of {n} bytes.");
                    byte[] model = await File.ReadAllBytesAsync(temp, cancellationToken).ConfigureAwait(false);
                    recognizer.LoadModel(model, Path.GetFileNameWithoutExtension(fullPath)); // validates before the file is replaced
                    File.Move(temp, fullPath, overwrite: true);
                    string? etag = response.Headers.ETag?.ToString();
                    if (etag is null) File.Delete(etagPath);
                    else
                    {
                        string etagTemp = etagPath + ".tmp";
                        await File.WriteAllTextAsync(etagTemp, etag, cancellationToken).ConfigureAwait(false);
                        File.Move(etagTemp, etagPath, overwrite: true);
                    }
                    return new ModelUpdateResult(ModelUpdateOutcome.Updated, etag, bytes);
                }
                finally
                {
                    if (File.Exists(temp)) File.Delete(temp);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
