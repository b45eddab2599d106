using Microsoft.Extensions.DependencyInjection;
using Mnist.Engine.Formats;
using Mnist.Engine.Layers;
using Mnist.Engine.Networks;

namespace Mnist.Client.Tests;

/// <summary>Model updates from /v1/models/current.onnx by ETag: download, atomic replace, hot swap.</summary>
[Collection("server")]
public sealed class ModelUpdaterTests(ServerFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnist-client-update-").FullName;

    public void Dispose()
    {
        fixture.Server.SetModel(File.ReadAllBytes(fixture.ModelPath));
        Directory.Delete(_dir, recursive: true);
    }

    private static byte[] OtherModel()
    {
        Sequential<float> model = Architectures.Create<float>("lenet", 99);
        return OnnxExporter.ExportBytes(model, ModelCard.Create(model, "lenet-untrained"));
    }

    [Fact]
    public async Task Downloads_once_then_revalidates_and_swaps_in_a_new_model()
    {
        string path = Path.Combine(_dir, "models", "mnist.onnx");
        using ServiceProvider services = fixture.Services(o => o.ModelPath = path);
        var updater = services.GetRequiredService<ModelUpdater>();
        var device = services.GetRequiredService<OnDeviceDigitRecognizer>();
        Assert.False(device.HasModel);
        await Assert.ThrowsAsync<MnistClientException>(() => device.RecognizeAsync(StrokeDrawing.FromArrays([[[0f, 0f], [0f, 50f]]])));

        ModelUpdateResult first = await updater.UpdateAsync(device, path);
        Assert.Equal(ModelUpdateOutcome.Updated, first.Outcome);
        Assert.Equal(fixture.Server.ETag, first.ETag);
        Assert.Equal(new FileInfo(fixture.ModelPath).Length, first.Bytes);
        Assert.True(device.HasModel);
        Assert.Equal(File.ReadAllBytes(fixture.ModelPath), File.ReadAllBytes(path));
        Assert.Equal(fixture.Server.ETag, File.ReadAllText(path + ".etag"));
        string firstSha = device.ModelSha256!;

        ModelUpdateResult second = await updater.UpdateAsync(device, path);
        Assert.Equal(ModelUpdateOutcome.NotModified, second.Outcome);
        Assert.Equal(0, second.Bytes);

        byte[] other = OtherModel();
        fixture.Server.SetModel(other);
        ModelUpdateResult third = await updater.UpdateAsync(device, path);
        Assert.Equal(ModelUpdateOutcome.Updated, third.Outcome);
        Assert.NotEqual(firstSha, device.ModelSha256);
        Assert.Equal(other, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.download"));
    }

    [Fact]
    public async Task A_bad_download_leaves_the_current_model_and_file_alone()
    {
        string path = Path.Combine(_dir, "mnist.onnx");
        using ServiceProvider services = fixture.Services(o => o.ModelPath = path);
        var updater = services.GetRequiredService<ModelUpdater>();
        var device = services.GetRequiredService<OnDeviceDigitRecognizer>();
        await updater.UpdateAsync(device, path);
        string sha = device.ModelSha256!;
        byte[] good = File.ReadAllBytes(path);

        fixture.Server.SetModelBytesUnchecked("this is not an ONNX model"u8.ToArray());
        await Assert.ThrowsAsync<MnistClientException>(() => updater.UpdateAsync(device, path));
        Assert.Equal(sha, device.ModelSha256);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.download")); // no temporary file left behind
    }

    [Fact]
    public async Task Calls_in_flight_survive_a_swap()
    {
        using var device = new OnDeviceDigitRecognizer(fixture.ModelPath);
        byte[] other = OtherModel();
        StrokeDrawing drawing = StrokeDrawing.FromArrays([[[0f, 0f], [60f, 0f], [30f, 100f]]]);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        Task[] workers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            int n = 0;
            while (!stop.IsCancellationRequested) { Assert.NotNull(device.Recognize(drawing).Digit); n++; }
            return n;
        })).ToArray();
        for (int i = 0; i < 10; i++) device.LoadModel(i % 2 == 0 ? other : File.ReadAllBytes(fixture.ModelPath));
        await Task.WhenAll(workers);
    }
}
