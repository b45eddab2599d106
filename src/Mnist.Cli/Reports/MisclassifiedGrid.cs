using System.Globalization;
using Mnist.Engine.Data;
using Mnist.Engine.Training;
using SkiaSharp;
using Mnist.Engine.IO;

namespace Mnist.Cli.Reports;

/// <summary>A PNG grid of the first misclassified test images, each enlarged and labelled "true→predicted".</summary>
internal static class MisclassifiedGrid
{
    public const int MaxItems = 64;
    private const int Columns = 8, Scale = 3, Pad = 6, LabelHeight = 18;

    public static void Write(MnistDataset test, EvaluationResult result, IReadOnlyList<string> classNames, string path)
    {
        var items = result.Misclassified().Take(MaxItems).ToArray();
        int cell = test.Cols * Scale;
        int rows = Math.Max(1, (items.Length + Columns - 1) / Columns);
        // Short class names (digits) label the cells themselves; long ones (clothing) are numbered, with a legend of
        // five classes per line under the heading.
        string[] legend = ClassLabels.AreShort(classNames)
            ? []
            : Enumerable.Range(0, classNames.Count).Select(c => ClassLabels.Long(classNames, c)).Chunk(5).Select(l => string.Join(" · ", l)).ToArray();
        int top = 30 + legend.Length * 17;
        int width = Columns * (cell + Pad) + Pad, height = top + rows * (cell + LabelHeight + Pad) + Pad;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(ReportFonts.Regular, 13);
        using var title = new SKFont(ReportFonts.Bold, 15);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var red = new SKPaint { Color = new SKColor(0xB0, 0x10, 0x10), IsAntialias = true };
        string heading = items.Length == 0
            ? "No misclassified test images."
            : string.Create(CultureInfo.InvariantCulture, $"First {items.Length} of {result.Count - result.Correct} misclassified test images (true→predicted)");
        canvas.DrawText(heading, Pad, 20, SKTextAlign.Left, title, ink);
        for (int l = 0; l < legend.Length; l++)
            canvas.DrawText(legend[l], Pad, 38 + 17 * l, SKTextAlign.Left, font, ink);

        var pixels = new byte[test.Rows * test.Cols * 4];
        for (int n = 0; n < items.Length; n++)
        {
            int index = items[n];
            int x = Pad + n % Columns * (cell + Pad);
            int y = top + n / Columns * (cell + LabelHeight + Pad);
            // White ink on black, as the network sees it.
            var image = test.Image(index);
            for (int p = 0; p < image.Length; p++)
            {
                pixels[4 * p] = pixels[4 * p + 1] = pixels[4 * p + 2] = image[p];
                pixels[4 * p + 3] = 255;
            }
            var info = new SKImageInfo(test.Cols, test.Rows, SKColorType.Rgba8888, SKAlphaType.Opaque);
            using var digit = SKImage.FromPixelCopy(info, pixels);
            canvas.DrawImage(digit, new SKRect(x, y, x + cell, y + cell), new SKSamplingOptions(SKFilterMode.Nearest));
            string label = $"{ClassLabels.Short(classNames, result.Labels[index])}→{ClassLabels.Short(classNames, result.Predictions[index])}";
            canvas.DrawText(label, x + cell / 2f, y + cell + 14, SKTextAlign.Center, font, red);
        }

        using var png = surface.Snapshot().Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.AsSpan());
    }
}
