using SkiaSharp;

namespace Mnist.NumberBench;

/// <summary>How a synthetic number is put on paper.</summary>
public enum PaperStyle
{
    /// <summary>Dark ink on light, slightly uneven paper, slightly blurred, saved as JPEG.</summary>
    DarkOnLightJpeg,

    /// <summary>Black ink on white, saved as PNG.</summary>
    WhitePng,

    /// <summary>Light ink on a dark background, saved as PNG.</summary>
    LightOnDarkPng,
}

/// <summary>
/// Renders a synthetic number to an encoded image with SkiaSharp (an independent rasterizer, not the project's own):
/// pen width 6–12 % of the digit height, digit height 0.6–1.6 × 40 px, one of three paper styles.
/// </summary>
public static class NumberRenderer
{
    /// <summary>Nominal digit height in pixels at scale 1.</summary>
    public const float BaseHeight = 40f;

    /// <summary>Renders <paramref name="number"/>; the style cycles with <paramref name="index"/>, the rest is drawn from the seed.</summary>
    public static (byte[] Encoded, PaperStyle Style) Render(SyntheticNumber number, int index, int seed)
    {
        var random = new Random(unchecked(seed * 1_000_003 + index));
        var style = (PaperStyle)(index % 3);
        float scale = (0.6f + 1.0f * random.NextSingle()) * BaseHeight / NumberSynthesizer.Height;
        float pen = (0.06f + 0.06f * random.NextSingle()) * NumberSynthesizer.Height * scale;
        (float x0, float y0, float x1, float y1) = NumberSynthesizer.Bounds(number.Strokes);
        float margin = 0.3f * NumberSynthesizer.Height * scale + pen;
        int width = (int)MathF.Ceiling((x1 - x0) * scale + 2 * margin);
        int height = (int)MathF.Ceiling((y1 - y0) * scale + 2 * margin);

        (SKColor paper, SKColor ink) = style switch
        {
            PaperStyle.DarkOnLightJpeg => (Grey(215 + random.Next(35)), Grey(15 + random.Next(70))),
            PaperStyle.WhitePng => (SKColors.White, SKColors.Black),
            _ => (Grey(random.Next(40)), Grey(200 + random.Next(56))),
        };
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(paper);
        if (style == PaperStyle.DarkOnLightJpeg)
        {
            // Uneven lighting: a soft gradient across the sheet.
            using var shade = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                    [paper.WithAlpha(0), new SKColor(0, 0, 0, (byte)(10 + random.Next(30)))], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, width, height, shade);
        }
        using var paint = new SKPaint
        {
            Color = ink, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = pen,
            StrokeCap = SKStrokeCap.Round, StrokeJoin = SKStrokeJoin.Round,
        };
        if (style == PaperStyle.DarkOnLightJpeg)
            paint.MaskFilter = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, 0.4f + 0.6f * random.NextSingle());
        foreach (float[][] stroke in number.Strokes)
        {
            using var path = new SKPath();
            path.MoveTo((stroke[0][0] - x0) * scale + margin, (stroke[0][1] - y0) * scale + margin);
            if (stroke.Length == 1) path.LineTo((stroke[0][0] - x0) * scale + margin + 0.01f, (stroke[0][1] - y0) * scale + margin);
            for (int i = 1; i < stroke.Length; i++) path.LineTo((stroke[i][0] - x0) * scale + margin, (stroke[i][1] - y0) * scale + margin);
            canvas.DrawPath(path, paint);
        }
        using SKImage image = surface.Snapshot();
        using SKData data = style == PaperStyle.DarkOnLightJpeg
            ? image.Encode(SKEncodedImageFormat.Jpeg, 70 + random.Next(25))
            : image.Encode(SKEncodedImageFormat.Png, 100);
        return (data.ToArray(), style);
    }

    private static SKColor Grey(int v) => new((byte)v, (byte)v, (byte)v);
}
