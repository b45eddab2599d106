using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Mnist.Client;

/// <summary>Registers the SDK with a service collection (a MAUI app's <c>builder.Services</c>, a host's services).</summary>
public static class MnistClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RemoteDigitRecognizer"/> and <see cref="ModelUpdater"/> as typed HTTP clients with a
    /// resilience pipeline (total timeout, retries with exponential backoff and jitter for network errors, 408, 429,
    /// 5xx and attempt timeouts, a circuit breaker, a per-attempt timeout), a singleton
    /// <see cref="OnDeviceDigitRecognizer"/> (loading <see cref="MnistClientOptions.ModelPath"/> when the file
    /// exists), keyed <see cref="IDigitRecognizer"/> services <c>device</c> and <c>server</c>, and an unkeyed one for
    /// <see cref="MnistClientOptions.DefaultMode"/>.
    /// </summary>
    public static IServiceCollection AddMnistClient(this IServiceCollection services, Action<MnistClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MnistClientOptions>().Configure(configure).Validate(
            o => o.BaseAddress is { IsAbsoluteUri: true } && o.DefaultMode is "device" or "server" && o.MaxRetries >= 0,
            "MnistClientOptions needs an absolute BaseAddress, DefaultMode 'device' or 'server', and MaxRetries ≥ 0.");

        services.AddHttpClient<RemoteDigitRecognizer>(ConfigureClient)
            .AddResilienceHandler("mnist-predict", (builder, context) =>
            {
                MnistClientOptions o = context.ServiceProvider.GetRequiredService<IOptions<MnistClientOptions>>().Value;
                Pipeline(builder, o, o.TotalTimeout, o.AttemptTimeout);
            });
        services.AddHttpClient<ModelUpdater>(ConfigureClient)
            .AddResilienceHandler("mnist-model", (builder, context) =>
            {
                MnistClientOptions o = context.ServiceProvider.GetRequiredService<IOptions<MnistClientOptions>>().Value;
                Pipeline(builder, o, o.ModelDownloadTimeout * (o.MaxRetries + 1), o.ModelDownloadTimeout);
            });

        services.AddSingleton(sp =>
        {
            MnistClientOptions o = sp.GetRequiredService<IOptions<MnistClientOptions>>().Value;
            var recognizer = new OnDeviceDigitRecognizer();
            if (o.ModelPath is not null && File.Exists(o.ModelPath)) recognizer.LoadModel(o.ModelPath);
            return recognizer;
        });
        services.AddKeyedTransient<IDigitRecognizer>("device", (sp, _) => sp.GetRequiredService<OnDeviceDigitRecognizer>());
        services.AddKeyedTransient<IDigitRecognizer>("server", (sp, _) => sp.GetRequiredService<RemoteDigitRecognizer>());
        services.AddTransient<IDigitRecognizer>(sp =>
            sp.GetRequiredKeyedService<IDigitRecognizer>(sp.GetRequiredService<IOptions<MnistClientOptions>>().Value.DefaultMode));
        return services;
    }

    private static void ConfigureClient(IServiceProvider sp, HttpClient client)
    {
        MnistClientOptions o = sp.GetRequiredService<IOptions<MnistClientOptions>>().Value;
        Uri root = o.BaseAddress!;
        client.BaseAddress = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
        client.Timeout = Timeout.InfiniteTimeSpan; // the pipeline's timeouts govern
    }

    private static void Pipeline(ResiliencePipelineBuilder<HttpResponseMessage> builder, MnistClientOptions o, TimeSpan totalTimeout, TimeSpan attemptTimeout)
    {
        builder.AddTimeout(totalTimeout);
        if (o.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = o.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryDelay,
            });
        }
        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = 0.9,
            MinimumThroughput = 20,
            SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, 2 * attemptTimeout.TotalSeconds)),
            BreakDuration = TimeSpan.FromSeconds(5),
        });
        builder.AddTimeout(attemptTimeout);
    }
}
