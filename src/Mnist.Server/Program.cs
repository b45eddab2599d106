namespace Mnist.Server;

/// <summary>The server's entry point: <c>dotnet run --project src/Mnist.Server -- [--urls URL] [--model FILE] [--engine managed]</c>.</summary>
public sealed class Program
{
    private Program() { }

    /// <summary>Runs the server until SIGTERM or Ctrl+C (requests in flight and queued digits are finished first).</summary>
    public static async Task Main(string[] args) => await MnistServer.CreateApp(args).RunAsync().ConfigureAwait(false);
}
