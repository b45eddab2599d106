using Microsoft.Extensions.DependencyInjection;
using Mnist.TestSupport;

namespace Mnist.Client.Tests;

/// <summary>The test model and a scriptable fake server on 127.0.0.1 answering with it (failures, delays and model swaps on demand).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    internal StandInServer Server { get; private set; } = null!;

    public string ModelPath { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ModelPath = TestModel.Path;
        Server = await StandInServer.StartAsync(ModelPath);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A service provider with <c>AddMnistClient</c> pointed at the server.</summary>
    public ServiceProvider Services(Action<MnistClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddMnistClient(o =>
        {
            o.BaseAddress = Server.BaseAddress;
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }
}

[CollectionDefinition("server")]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;
