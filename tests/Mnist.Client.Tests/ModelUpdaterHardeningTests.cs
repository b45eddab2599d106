using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace Mnist.Client.Tests;

/// <summary>
/// Nothing downloaded is installed unverified (issue 18): the body must be the SHA-256 its ETag names, within the
/// size cap and the body timeout, over https unless the server is this machine; the .etag beside the model is
/// believed only when it describes that model.
/// </summary>
[Collection("server")]
public sealed class ModelUpdaterHardeningTests(ServerFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnist-client-hardening-").FullName;

    public void Dispose()
    {
        fixture.Server.ModelBodyStall = TimeSpan.Zero;
        fixture.Server.SetModel(File.ReadAllBytes(fixture.ModelPath));
        Directory.Delete(_dir, recursive: true);
    }

    private string ModelFile => Path.Combine(_dir, "mnist.onnx");

    [Fact]
    public async Task A_body_that_is_not_what_its_etag_names_is_not_installed()
    {
        using ServiceProvider services = fixture.Services(o => o.ModelPath = ModelFile);
        var updater = services.GetRequiredService<ModelUpdater>();
        var device = services.GetRequiredService<OnDeviceDigitRecognizer>();
        byte[] model = File.ReadAllBytes(fixture.ModelPath);
        // A valid model under another file's ETag: a swapped or altered body. Loading alone would accept it.
        string otherEtag = $"\"{Convert.ToHexStringLower(SHA256.HashData("another file"u8))}\"";
        fixture.Server.SetModelBytesUnchecked(model, otherEtag);

        var e = await Assert.ThrowsAsync<MnistClientException>(() => updater.UpdateAsync(device, ModelFile));
        Assert.Contains("is not its ETag", e.Message, StringComparison.Ordinal);
        Assert.False(device.HasModel);
        Assert.False(File.Exists(ModelFile));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_model_over_the_size_cap_is_refused()
    {
        using ServiceProvider services = fixture.Services(o => { o.ModelPath = ModelFile; o.MaxModelBytes = 1000; });
        var updater = services.GetRequiredService<ModelUpdater>();
        var e = await Assert.ThrowsAsync<MnistClientException>(() => updater.UpdateAsync(services.GetRequiredService<OnDeviceDigitRecognizer>(), ModelFile));
        Assert.Contains("at most 1000", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_body_that_stalls_is_abandoned_after_the_timeout()
    {
        fixture.Server.ModelBodyStall = TimeSpan.FromSeconds(20);
        using ServiceProvider services = fixture.Services(o => { o.ModelPath = ModelFile; o.ModelDownloadTimeout = TimeSpan.FromMilliseconds(500); o.MaxRetries = 0; });
        var updater = services.GetRequiredService<ModelUpdater>();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MnistClientException>(() => updater.UpdateAsync(services.GetRequiredService<OnDeviceDigitRecognizer>(), ModelFile));
        Assert.Contains("took longer than", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}"); // without a body timeout: the whole stall
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Theory]
    [InlineData("http://models.example.invalid/", true)]
    [InlineData("http://127.0.0.1:9/", false)]
    [InlineData("http://localhost:9/", false)]
    public async Task Plain_http_is_refused_unless_the_server_is_this_machine(string root, bool refused)
    {
        using var http = new HttpClient { BaseAddress = new Uri(root), Timeout = TimeSpan.FromSeconds(5) };
        var updater = new ModelUpdater(http);
        using var device = new OnDeviceDigitRecognizer();
        var e = await Assert.ThrowsAsync<MnistClientException>(() => updater.UpdateAsync(device, ModelFile));
        // Loopback is allowed through, and then fails to connect (port 9): a different message.
        Assert.Equal(refused, e.Message.Contains("need https", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_etag_file_that_does_not_describe_the_model_beside_it_is_not_believed()
    {
        // As after a crash between the two renames: the new model with the old .etag (or the reverse). Sending the
        // stale tag would make the server answer 304 for a model the device does not have.
        byte[] model = File.ReadAllBytes(fixture.ModelPath);
        File.WriteAllBytes(ModelFile, "half a model"u8.ToArray());
        File.WriteAllText(ModelFile + ".etag", fixture.Server.ETag);
        using ServiceProvider services = fixture.Services(o => o.ModelPath = ModelFile);
        var updater = services.GetRequiredService<ModelUpdater>();
        using var device = new OnDeviceDigitRecognizer(); // not from the container, which would load the torn file at once

        ModelUpdateResult r = await updater.UpdateAsync(device, ModelFile);
        Assert.Equal(ModelUpdateOutcome.Updated, r.Outcome);
        Assert.Equal(model, File.ReadAllBytes(ModelFile));
        Assert.Equal(fixture.Server.ETag, File.ReadAllText(ModelFile + ".etag"));
        Assert.Equal(ModelUpdateOutcome.NotModified, (await updater.UpdateAsync(device, ModelFile)).Outcome);
    }
}
