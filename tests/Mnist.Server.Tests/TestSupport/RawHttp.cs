using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>HTTP/1.1 by hand over a socket, for requests no client library would send.</summary>
internal static class RawHttp
{
    /// <summary>The statuses of the responses received, and how the connection ended when none was.</summary>
    public sealed record Outcome(List<int> Statuses, string Note);

    /// <summary>How long the server may stay silent before the client half-closes its side.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    /// <summary>Writes <paramref name="raw"/> and reads every response to the end of the connection. Half-closing
    /// at once would make Kestrel drop the request unanswered, so the client half-closes only after the server has
    /// been silent for <see cref="Idle"/> (it is waiting for a body that will not come), and then reads on.</summary>
    public static async Task<Outcome> SendAsync(Uri address, byte[] raw, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var received = new MemoryStream();
        string note = "closed";
        try
        {
            await socket.ConnectAsync(address.Host, address.Port, ct);
            await socket.SendAsync(raw, SocketFlags.None, ct);
            var buffer = new byte[16384];
            bool halfClosed = false;
            while (true)
            {
                Task<int> receive = socket.ReceiveAsync(buffer, SocketFlags.None, ct).AsTask();
                if (!halfClosed && await Task.WhenAny(receive, Task.Delay(Idle, ct)) != receive)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    halfClosed = true;
                    note = "closed after half-close";
                }
                int read = await receive;
                if (read == 0) break;
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException e)
        {
            // The server may answer and close while unread bytes are still in its buffer: the kernel then resets the
            // connection, and what was already received is all there is.
            note = "reset:" + e.SocketErrorCode;
        }
        catch (OperationCanceledException)
        {
            note = "timeout";
        }
        return new Outcome(StatusLines(received.ToArray()), note);
    }

    /// <summary>Statuses of the responses in <paramref name="bytes"/> ("HTTP/1.1 NNN" at the start of the stream or
    /// of a line).</summary>
    public static List<int> StatusLines(byte[] bytes)
    {
        string text = Encoding.Latin1.GetString(bytes);
        var statuses = new List<int>();
        for (int at = text.IndexOf("HTTP/1.1 ", StringComparison.Ordinal); at >= 0; at = text.IndexOf("HTTP/1.1 ", at + 1, StringComparison.Ordinal))
        {
            if ((at == 0 || text[at - 1] == '\n') && at + 12 <= text.Length
                && int.TryParse(text.AsSpan(at + 9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int status))
                statuses.Add(status);
        }
        return statuses;
    }
}
