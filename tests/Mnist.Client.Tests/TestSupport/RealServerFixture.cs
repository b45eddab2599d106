using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Mnist.TestSupport;

namespace Mnist.Client.Tests;

/// <summary>The real Mnist.Server in-process (TestServer) on the test model at float precision, as the device runs it:
/// the SDK's wire tests read what the actual producer writes, not a stand-in's copy of it.</summary>
public sealed class RealServerFixture : IDisposable
{
    private readonly WebApplicationFactory<Mnist.Server.Program> _factory;

    public RealServerFixture()
    {
        _factory = new WebApplicationFactory<Mnist.Server.Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Mnist:ModelPath", TestModel.Path);
            b.UseSetting("Mnist:Precision", "float");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            b.UseSetting("Mnist:RateLimit:Enabled", "false"); // the SDK tests send faster than a person draws
        });
        Client = _factory.CreateClient();
        Device = new OnDeviceDigitRecognizer(TestModel.Path);
    }

    /// <summary>A client of the in-process server (base address its root).</summary>
    public HttpClient Client { get; }

    /// <summary>The SDK's remote recognizer over <see cref="Client"/>.</summary>
    public RemoteDigitRecognizer Remote => new(Client);

    /// <summary>The SDK's on-device recognizer on the same model file.</summary>
    public OnDeviceDigitRecognizer Device { get; }

    public void Dispose()
    {
        Device.Dispose();
        Client.Dispose();
        _factory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RealServerCollection : ICollectionFixture<RealServerFixture>
{
    public const string Name = "real server";
}
