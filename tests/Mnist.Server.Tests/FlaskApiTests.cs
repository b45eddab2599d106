using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mnist.Server.Tests.TestSupport;
using SkiaSharp;

namespace Mnist.Server.Tests;

/// <summary>The original Flask API: clients that posted <c>mnist_image</c> keep working.</summary>
[Collection(TrainedServerCollection.Name)]
public class FlaskApiTests(TrainedServerFixture server)
{
    private static MultipartFormDataContent Upload(byte[] image, string fileName, string mediaType = "image/png", string field = "mnist_image")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        form.Add(file, field, fileName);
        return form;
    }

    [Fact]
    public async Task UploadFormIsHtmlWithTheField()
    {
        HttpResponseMessage r = await server.Client.GetAsync("/mnist");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        string html = await r.Content.ReadAsStringAsync();
        Assert.Contains("name=\"mnist_image\"", html, StringComparison.Ordinal);
        Assert.Contains("multipart/form-data", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task WhiteOnBlack28x28PngGetsTheRightPredNumber(int index)
    {
        using var form = Upload(TestImages.Png(index), $"digit{index}.png");
        JsonElement r = await HttpAssert.JsonAsync(await server.Client.PostAsync("/mnist", form));
        Assert.Equal($"digit{index}.png", r.GetProperty("filename").GetString());
        Assert.Equal(TestImages.Label(index), r.GetProperty("pred_number").GetInt32());
        JsonElement label = r.GetProperty("pred_label");
        Assert.Equal(1, label.GetArrayLength());
        Assert.Equal(10, label[0].GetArrayLength());
        Assert.InRange(label[0].EnumerateArray().Sum(p => p.GetDouble()), 0.999, 1.001);
    }

    [Theory]
    [InlineData(0, SKEncodedImageFormat.Png)]
    [InlineData(1, SKEncodedImageFormat.Jpeg)]
    [InlineData(4, SKEncodedImageFormat.Jpeg)]
    public async Task BlackOnWhitePhotoGetsTheRightPredNumber(int index, SKEncodedImageFormat format)
    {
        string mediaType = format == SKEncodedImageFormat.Png ? "image/png" : "image/jpeg";
        using var form = Upload(TestImages.Photo(index, format), "IMG_0001.jpg", mediaType);
        JsonElement r = await HttpAssert.JsonAsync(await server.Client.PostAsync("/mnist", form));
        Assert.Equal(TestImages.Label(index), r.GetProperty("pred_number").GetInt32());
    }

    [Fact]
    public async Task FileNameIsEchoedWithoutPath()
    {
        using var form = Upload(TestImages.Png(0), "../../etc/passwd");
        JsonElement r = await HttpAssert.JsonAsync(await server.Client.PostAsync("/mnist", form));
        Assert.Equal("passwd", r.GetProperty("filename").GetString());
    }

    [Fact]
    public async Task MissingFieldIs400()
    {
        using var form = Upload(TestImages.Png(0), "a.png", field: "other");
        await HttpAssert.ProblemAsync(await server.Client.PostAsync("/mnist", form), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task NotMultipartIs415()
    {
        using var content = new ByteArrayContent(TestImages.Png(0));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await HttpAssert.ProblemAsync(await server.Client.PostAsync("/mnist", content), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task NotAnImageIs415AndBrokenMultipartIs400()
    {
        using var form = Upload("GIF? no."u8.ToArray(), "x.gif", "image/gif");
        await HttpAssert.ProblemAsync(await server.Client.PostAsync("/mnist", form), HttpStatusCode.UnsupportedMediaType);

        using var broken = new ByteArrayContent("--xyz\r\nContent-Disposition: form-data; name=\"mnist_image\"\r\n\r\nabc"u8.ToArray());
        broken.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=xyz");
        await HttpAssert.ProblemAsync(await server.Client.PostAsync("/mnist", broken), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task BlankUploadIsNoDigit()
    {
        using var bmp = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        bmp.Erase(SKColors.Black);
        using SKData png = bmp.Encode(SKEncodedImageFormat.Png, 100);
        using var form = Upload(png.ToArray(), "blank.png");
        JsonElement r = await HttpAssert.JsonAsync(await server.Client.PostAsync("/mnist", form));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("pred_number").ValueKind);
        Assert.Equal("no_ink", r.GetProperty("no_digit").GetString());
    }
}
