using Microsoft.Extensions.Options;

namespace Mnist.Server.Hosting;

/// <summary>
/// On shutdown, reports not-ready for <see cref="MnistServerOptions.DrainSeconds"/> before the web server stops
/// accepting requests, so a load balancer polling <c>/readyz</c> takes the replica out of rotation while it still
/// answers everything sent to it. Without the pause, requests already routed here would meet a closed port.
/// </summary>
public sealed partial class ShutdownDrain(IOptions<MnistServerOptions> options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>True from the shutdown signal on.</summary>
    public bool Draining => _draining;

    /// <summary>Runs before any service stops (the web server included): readiness turns 503, then the pause.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        double seconds = options.Value.DrainSeconds;
        if (seconds <= 0) return;
        LogDraining(logger, seconds);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first: stop now.
        }
    }

    /// <inheritdoc/>
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: not ready for {Seconds} s so load balancers stop sending requests, then draining")]
    private static partial void LogDraining(ILogger logger, double seconds);
}
