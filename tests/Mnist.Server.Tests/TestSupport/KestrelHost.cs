using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>The real server: Kestrel on 127.0.0.1 with a random port, built by <see cref="MnistServer.CreateApp"/>
/// exactly as <c>dotnet run</c> and <c>mnist serve</c> build it.</summary>
public sealed class KestrelHost : IAsyncDisposable
{
    private KestrelHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = address };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public static Task<KestrelHost> StartAsync(string modelPath, params string[] extraArgs) => StartAsync(modelPath, null, extraArgs);

    /// <summary>Starts the server; <paramref name="configure"/> may add to the builder (e.g. a logger provider) first.</summary>
    public static async Task<KestrelHost> StartAsync(string modelPath, Action<WebApplicationBuilder>? configure, params string[] extraArgs)
    {
        string[] args = ["--urls", "http://127.0.0.1:0", "--model", modelPath, "--environment", "Production",
            "--Mnist:ReloadPollSeconds=0.2", "--Logging:LogLevel:Default=Warning",
            "--Mnist:RateLimit:Enabled=false", .. extraArgs]; // tests send faster than a person; later args override
        WebApplicationBuilder builder = MnistServer.CreateBuilder(args);
        configure?.Invoke(builder);
        WebApplication app = MnistServer.Configure(builder.Build());
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
