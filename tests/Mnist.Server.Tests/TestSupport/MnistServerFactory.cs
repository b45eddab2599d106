using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>The server in-process (TestServer) with the model path swapped to a test model and optional settings.</summary>
public sealed class MnistServerFactory(string modelPath, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>The model file the server watches.</summary>
    public string ModelPath { get; } = modelPath;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Mnist:ModelPath", ModelPath);
        builder.UseSetting("Mnist:ReloadPollSeconds", "0.2");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Tests send from one address far faster than a person draws; the tests of the limit itself turn it on.
        builder.UseSetting("Mnist:RateLimit:Enabled", "false");
        if (settings is not null)
            foreach (var (k, v) in settings) builder.UseSetting(k, v);
    }
}
