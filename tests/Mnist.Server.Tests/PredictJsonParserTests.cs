using System.Text;
using Mnist.Server.Api;
using Mnist.Server.Hosting;
using Mnist.Server.Tests.TestSupport;

namespace Mnist.Server.Tests;

/// <summary>The pixel scan (plain integers read straight from the bytes) against the reader's number-by-number path:
/// same pixels, same errors, and the document parsed on correctly after the array.</summary>
public class PredictJsonParserTests
{
    private static readonly LimitOptions Limits = new();

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void ScannedPixelsEqualTheReadersPixels_ForRealDigits()
    {
        for (int i = 0; i < 50; i++)
        {
            byte[] digit = TestImages.Digit(i);
            // Compact and spaced bodies take the scan; ".0" on every value sends the body the reader's way.
            string compact = "{\"pixels\":[" + string.Join(',', digit) + "]}";
            string spaced = "{ \"pixels\" : [\n " + string.Join(" ,\r\n\t", digit) + " ] }";
            string decimals = "{\"pixels\":[" + string.Join(',', digit.Select(b => b + ".0")) + "]}";
            int at = compact.IndexOf('[', StringComparison.Ordinal) + 1;
            Assert.True(PredictJsonParser.TryScanPixels(Utf8(compact), ref at, new byte[784]));
            Assert.Equal(']', compact[at]);
            foreach (string body in new[] { compact, spaced, decimals })
                Assert.Equal(digit, PredictJsonParser.Parse(Utf8(body), Limits).Single!.Pixels);
        }
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e2")]
    [InlineData("-0")]
    [InlineData("256")]
    [InlineData("1000")]
    [InlineData("01")]
    [InlineData("\"1\"")]
    public void ScanDeclinesAnythingButPlainIntegers(string odd)
    {
        string body = "[" + string.Join(',', Enumerable.Repeat("7", 783).Prepend(odd)) + "]";
        int at = 1;
        Assert.False(PredictJsonParser.TryScanPixels(Utf8(body), ref at, new byte[784]));
    }

    [Fact]
    public void DocumentContinuesAfterAScannedArray()
    {
        string pixels = "[" + string.Join(',', TestImages.Digit(1)) + "]";
        PredictJson batch = PredictJsonParser.Parse(Utf8($"{{\"items\":[{{\"pixels\":{pixels}}}, {{\"pixels\":{pixels}, \"extra\": {{\"a\":[1]}} }}]}}"), Limits);
        Assert.Equal(2, batch.Items!.Count);
        Assert.All(batch.Items, item => Assert.Equal(TestImages.Digit(1), item.Pixels));

        // Errors after the array are still found.
        Assert.Equal(400, Assert.Throws<InputException>(() => PredictJsonParser.Parse(Utf8($"{{\"pixels\":{pixels}}} x"), Limits)).Status);
        Assert.Equal(400, Assert.Throws<InputException>(() => PredictJsonParser.Parse(Utf8($"{{\"pixels\":{pixels},\"pixels\":{pixels}}}"), Limits)).Status);
        Assert.Equal(400, Assert.Throws<InputException>(() => PredictJsonParser.Parse(Utf8($"{{\"pixels\":{pixels}"), Limits)).Status);
    }

    [Theory]
    [InlineData(783, "7", 422)]
    [InlineData(785, "7", 422)]
    [InlineData(784, "256", 422)]
    [InlineData(784, "-1", 422)]
    [InlineData(784, "01", 400)]
    public void BadPixelArraysGetTheReadersErrors(int count, string last, int status)
    {
        string body = "{\"pixels\":[" + string.Join(',', Enumerable.Repeat("7", count - 1).Append(last)) + "]}";
        Assert.Equal(status, Assert.Throws<InputException>(() => PredictJsonParser.Parse(Utf8(body), Limits)).Status);
    }
}
