using System.Globalization;

namespace Mnist.LoadGen;

/// <summary>Command-line options of the load generator.</summary>
internal sealed record LoadOptions
{
    public string Url { get; init; } = "http://127.0.0.1:5080";
    public string Path { get; init; } = "/v1/predict";
    public string Body { get; init; } = "pixels";
    public int Connections { get; init; } = 64;
    public double DurationSeconds { get; init; } = 30;
    public double WarmupSeconds { get; init; } = 3;
    /// <summary>Where to start looking for the server process (null: no memory sampling).</summary>
    public int? ServerPid { get; init; }
    /// <summary>With <c>--server-pid auto</c>: the process listening on the URL's port, found among all processes.</summary>
    public bool ServerAuto { get; init; }
    /// <summary>Print one RSS sample every this many seconds (0: only start/end/min/max).</summary>
    public double RssEverySeconds { get; init; }
    public int DelayMs { get; init; }
    public int ItemsPerRequest { get; init; } = 1;
    /// <summary>Count the answers by the model that produced them (the <c>model</c> field of the JSON answer).</summary>
    public bool ByModel { get; init; }
    /// <summary>Stop the measured run early once this file exists (a script ends the load when its scenario is done).</summary>
    public string? StopFile { get; init; }
    /// <summary>MNIST as the CLI finds it: $MNIST_DATA, else the per-user cache that <c>mnist data</c> fills.</summary>
    public string MnistDir { get; init; } = Mnist.Engine.Data.DataLocator.Resolve(Mnist.Engine.Data.DatasetCatalog.Mnist).Folder;

    public const string Usage = """
        usage: mnist-loadgen [--url http://127.0.0.1:5080] [--path /v1/predict] [--body pixels|png|blank]
                             [--connections 64] [--duration 30] [--warmup 3] [--server-pid PID|auto] [--rss-every S] [--delay-ms 0] [--data DIR] [--by-model] [--stop-file F]
          --body pixels   JSON {"pixels":[784]} of real MNIST test digits (default)
          --body png      28x28 PNG bodies (Content-Type image/png)
          --body blank    all-black pixels: answered "no digit" without a model call (HTTP + parsing overhead only)
          --delay-ms N    pause between a worker's requests (low-load latency runs)
          --server-pid P  sample the server's VmRSS every second: the process listening on the URL's port among P
                          and its descendants (P may be a wrapper such as timeout or a subshell), or among all
                          processes with "auto"
          --by-model      count the answers by the model that produced them (the answer's "model" field), with
                          the seconds of the first and last answer of each (rollouts)
          --stop-file F   end the measured run early once file F exists (--duration is then the longest it runs)
          --rss-every S   also print the RSS as a series, one sample every S seconds (long flatness runs)
        """;

    public static LoadOptions? Parse(string[] args)
    {
        var o = new LoadOptions();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                o = args[i] switch
                {
                    "--url" => o with { Url = Next() },
                    "--path" => o with { Path = Next() },
                    "--body" => o with { Body = Next() },
                    "--connections" or "-c" => o with { Connections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--duration" or "-d" => o with { DurationSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--warmup" => o with { WarmupSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--server-pid" => Next() is "auto" ? o with { ServerAuto = true, ServerPid = null }
                        : o with { ServerPid = int.Parse(args[i], CultureInfo.InvariantCulture), ServerAuto = false },
                    "--rss-every" => o with { RssEverySeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--delay-ms" => o with { DelayMs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--data" => o with { MnistDir = Next() },
                    "--by-model" => o with { ByModel = true },
                    "--stop-file" => o with { StopFile = Next() },
                    "--help" or "-h" => throw new FormatException(""),
                    _ => throw new FormatException($"unknown option {args[i]}"),
                };
            }
            if (o.Body is not ("pixels" or "png" or "blank")) throw new FormatException("--body must be pixels or png");
            if (o.Connections is < 1 or > 4096) throw new FormatException("--connections must be 1..4096");
            if (o.DurationSeconds <= 0) throw new FormatException("--duration must be > 0");
            if (o.RssEverySeconds < 0) throw new FormatException("--rss-every must be >= 0");
        }
        catch (FormatException e)
        {
            if (e.Message.Length > 0) Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(Usage);
            return null;
        }
        return o;
    }
}
