namespace Mnist.Client;

/// <summary>Settings of <see cref="MnistClientServiceCollectionExtensions.AddMnistClient"/>.</summary>
public sealed class MnistClientOptions
{
    /// <summary>The server's root, e.g. <c>https://digits.example/</c> (the client calls <c>v1/…</c> relative to it).</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>Where the on-device model lives (and where updates are written). Null: no on-device recognizer file;
    /// load a model yourself with <see cref="OnDeviceDigitRecognizer.LoadModel(byte[], string?)"/>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>What <see cref="IDigitRecognizer"/> resolves to: <c>device</c> or <c>server</c> (both are also
    /// registered as keyed services under those names).</summary>
    public string DefaultMode { get; set; } = "device";

    /// <summary>Timeout of one HTTP attempt. Default 5 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of a call including its retries. Default 20 s.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Retries after a transient failure (network error, 408, 429, 5xx, attempt timeout). Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially with jitter. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Timeout of one model download attempt (a model is a few hundred KB to a few MB). Default 60 s.</summary>
    public TimeSpan ModelDownloadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest model <see cref="ModelUpdater"/> accepts, in bytes (default 64 MB; the shipped model is
    /// about 1 MB). A larger body is refused before or while downloading, never held.</summary>
    public long MaxModelBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Whether <see cref="ModelUpdater"/> may download over plain http from a host other than this machine
    /// (default false). A model is code the app runs: without TLS anyone on the network path could replace it.</summary>
    public bool AllowInsecureModelDownloads { get; set; }
}
