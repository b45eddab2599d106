using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Mnist.Server.Api;

/// <summary>A request body read into a pooled buffer (never to disk); dispose to return the buffer.</summary>
public sealed class RequestBody : IDisposable
{
    // Bodies up to 64 KB (every pixels/strokes request, a 28×28 PNG) use the shared pool. Larger ones (photos, big
    // batches, hostile bodies) use a small private pool: arrays up to 1 MB, at most 4 of each size; above 1 MB they
    // are plain arrays the GC takes back. The shared pool keeps arrays of every size per thread until they have been
    // unused for a minute: after the 10,000-request live fuzz that held +34 MB of managed heap after a full GC,
    // gone only 70 s later (measured in LiveFuzzTests).
    private const int SharedPoolMax = 64 * 1024;
    private static readonly ArrayPool<byte> LargePool = ArrayPool<byte>.Create(maxArrayLength: 1024 * 1024, maxArraysPerBucket: 4);

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
        if (b is not null) Return(b);
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
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Kestrel reports most framing errors as BadHttpRequestException, but a chunk size that overflows
            // ("FFFFFFFFFFFFFFFF") as a plain IOException ("Bad chunk size data"). A client that went away also lands
            // here; it gets the 400 it will never read.
            throw InputException.Malformed($"The request body could not be read: {e.Message}");
        }
    }

    /// <summary>Reads <paramref name="stream"/> to its end, refusing more than <paramref name="limit"/> bytes with 413.</summary>
    /// <exception cref="InputException">413 over the limit.</exception>
    public static async Task<RequestBody> ReadAsync(Stream stream, int limit, CancellationToken cancellationToken, long? sizeHint = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // Content-Length is only a hint up to 64 KB: a client declaring 10 MB and sending 1 byte must not hold a
        // 10 MB buffer (32 such uploads held +315 MB). Larger bodies start at 64 KB and double as bytes arrive, so
        // memory follows what was received (copying at most twice the body).
        byte[] buffer = Rent((int)Math.Min(Math.Min(sizeHint ?? 4096, SharedPoolMax), limit + 1L) + 1);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) throw InputException.TooLarge($"The body is over {limit} bytes, the most this endpoint accepts.");
                    byte[] bigger = Rent((int)Math.Min(buffer.Length * 2L, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    Return(buffer);
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
            if (buffer is not null) Return(buffer);
        }
    }

    private static byte[] Rent(int length) => length <= SharedPoolMax ? ArrayPool<byte>.Shared.Rent(length) : LargePool.Rent(length);

    // The length tells the pools apart: the shared pool's arrays here are at most 64 KB, the private pool's larger.
    private static void Return(byte[] buffer)
    {
        if (buffer.Length <= SharedPoolMax) ArrayPool<byte>.Shared.Return(buffer);
        else LargePool.Return(buffer);
    }
}
