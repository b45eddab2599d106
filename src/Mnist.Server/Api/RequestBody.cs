using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Mnist.Server.Api;

/// <summary>A request body read into a pooled buffer (never to disk); dispose to return the buffer.</summary>
public sealed class RequestBody : IDisposable
{
    private byte[]? _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    /// <summary>Bytes read.</summary>
    public int Length { get; }

    /// <summary>The body.</summary>
    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(RequestBody))).AsSpan(0, Length);

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        byte[]? b = Interlocked.Exchange(ref _buffer, null);
        if (b is not null) ArrayPool<byte>.Shared.Return(b);
    }

    /// <summary>Reads the whole body, refusing more than <paramref name="limit"/> bytes with 413 (checked against
    /// Content-Length before reading, and while reading for chunked bodies).</summary>
    /// <exception cref="InputException">413 over the limit; 400 for a body Kestrel rejects.</exception>
    public static async Task<RequestBody> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long? declared = request.ContentLength;
        if (declared > limit) throw InputException.TooLarge($"The body has {declared} bytes; this endpoint accepts at most {limit}.");
        // Let Kestrel enforce this endpoint's limit too, so an oversized upload is cut off rather than drained.
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = limit + 1L;

        try
        {
            return await ReadAsync(request.Body, limit, cancellationToken, declared).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? InputException.TooLarge($"The body is over {limit} bytes, the most this endpoint accepts.")
                : new InputException(e.StatusCode, "Bad request", e.Message);
        }
    }

    /// <summary>Reads <paramref name="stream"/> to its end, refusing more than <paramref name="limit"/> bytes with 413.</summary>
    /// <exception cref="InputException">413 over the limit.</exception>
    public static async Task<RequestBody> ReadAsync(Stream stream, int limit, CancellationToken cancellationToken, long? sizeHint = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(sizeHint ?? 4096, limit + 1L) + 1);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) throw InputException.TooLarge($"The body is over {limit} bytes, the most this endpoint accepts.");
                    byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
                if (length > limit) throw InputException.TooLarge($"The body is over {limit} bytes, the most this endpoint accepts.");
            }
            var body = new RequestBody(buffer, length);
            buffer = null!;
            return body;
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
