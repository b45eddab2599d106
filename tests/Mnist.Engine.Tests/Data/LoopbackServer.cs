using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Mnist.Engine.Tests.Data;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 for downloader tests: serves byte arrays by path, honours
/// single-range "bytes=N-" requests with 206, and records every request's path and Range header.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public LoopbackServer()
    {
        // Pick a free port, then listen on it (retry in the unlikely case it was taken meanwhile).
        for (int attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            BaseUri = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUri.AbsoluteUri);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>Path (e.g. "/a/file.gz") → content. Missing paths answer 404.</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new();

    /// <summary>When false, Range headers are ignored and the whole file is sent with 200.</summary>
    public bool SupportsRange { get; set; } = true;

    /// <summary>Requests seen: path and Range header (or null).</summary>
    public ConcurrentQueue<(string Path, string? Range)> Requests { get; } = new();

    public Uri Mirror(string name) => new(BaseUri, name + "/");

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    private void Handle(HttpListenerContext ctx)
    {
        string path = ctx.Request.Url!.AbsolutePath;
        string? range = ctx.Request.Headers["Range"];
        Requests.Enqueue((path, range));
        var response = ctx.Response;
        try
        {
            if (!Files.TryGetValue(path, out var data))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }
            long start = 0;
            if (SupportsRange && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
            {
                start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
                if (start >= data.Length)
                {
                    response.StatusCode = 416;
                    response.Close();
                    return;
                }
                response.StatusCode = 206;
                response.Headers["Content-Range"] = $"bytes {start}-{data.Length - 1}/{data.Length}";
            }
            response.ContentLength64 = data.Length - start;
            response.OutputStream.Write(data, (int)start, (int)(data.Length - start));
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
