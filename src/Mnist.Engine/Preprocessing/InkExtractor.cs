namespace Mnist.Engine.Preprocessing;

/// <summary>
/// Step B of <see cref="DigitPreprocessor"/>: background model, polarity and contrast stretch. Turns a luminance
/// image into ink coverage u in [0, 1] (white ink on black) in place.
/// </summary>
internal static class InkExtractor
{
    /// <summary>Smallest ink contrast above the background that counts as ink (on the 0–1 scale).</summary>
    public const float MinInkContrast = 0.2f;

    /// <summary>The contrast threshold is at least this many noise standard deviations.</summary>
    public const float ThresholdNoiseSigmas = 4f;

    /// <summary>The floor subtracted before stretching, in noise standard deviations.</summary>
    public const float FloorNoiseSigmas = 3f;

    /// <summary>Fewer pixels than this above the threshold is "too little ink".</summary>
    public const int MinInkPixels = 4;

    /// <summary>Scale from the median absolute deviation to a Gaussian standard deviation.</summary>
    public const float MadToSigma = 1.4826f;

    internal readonly record struct Outcome(NoDigitReason Reason, string? Message, bool Inverted, float Background, float InkContrast);

    public static Outcome Extract(float[] lum, int width, int height, PolarityMode polarity)
    {
        // B1. Border ring of width b; medians of the whole ring and of each side (corners belong to two sides).
        int b = Math.Max(1, Math.Min(width, height) / 20);
        var all = new QuantileHistogram();
        var top = new QuantileHistogram();
        var bottom = new QuantileHistogram();
        var left = new QuantileHistogram();
        var right = new QuantileHistogram();
        for (int y = 0; y < height; y++)
        {
            bool isTop = y < b, isBottom = y >= height - b;
            for (int x = 0; x < width; x++)
            {
                bool isLeft = x < b, isRight = x >= width - b;
                if (!(isTop || isBottom || isLeft || isRight)) continue;
                float v = lum[y * width + x];
                all.Add(v);
                if (isTop) top.Add(v);
                if (isBottom) bottom.Add(v);
                if (isLeft) left.Add(v);
                if (isRight) right.Add(v);
            }
        }
        float bg0 = all.Quantile(0.5f);
        float gx = right.Quantile(0.5f) - left.Quantile(0.5f);
        float gy = bottom.Quantile(0.5f) - top.Quantile(0.5f);

        // B2. Residual r = L − bg(x, y) with the linear lighting model bg = bg0 + gx·(fx − ½) + gy·(fy − ½),
        // fx = (x + ½)/width, fy = (y + ½)/height. Noise σ = 1.4826 · median(|r|) over the border ring.
        var absBorder = new QuantileHistogram();
        for (int y = 0; y < height; y++)
        {
            float rowBg = bg0 + gy * ((y + 0.5f) / height - 0.5f);
            bool rowIsBorder = y < b || y >= height - b;
            int o = y * width;
            for (int x = 0; x < width; x++)
            {
                float r = lum[o + x] - (rowBg + gx * ((x + 0.5f) / width - 0.5f));
                lum[o + x] = r;
                if (rowIsBorder || x < b || x >= width - b) absBorder.Add(Math.Abs(r));
            }
        }
        float sigma = MadToSigma * absBorder.Quantile(0.5f);
        float threshold = Math.Max(MinInkContrast, ThresholdNoiseSigmas * sigma);
        float floor = FloorNoiseSigmas * sigma;

        // B3. Polarity: compare the total excess beyond the threshold above and below the background.
        double up = 0, down = 0;
        for (int i = 0; i < lum.Length; i++)
        {
            float r = lum[i];
            if (r > threshold) up += r - threshold;
            else if (-r > threshold) down += -r - threshold;
        }
        if (up == 0 && down == 0)
            return new Outcome(NoDigitReason.NoInk, "No ink: the image is uniform (nothing differs enough from the background).", false, bg0, 0f);
        bool inverted = polarity switch
        {
            PolarityMode.DarkOnLight => true,
            PolarityMode.LightOnDark => false,
            _ => down > up,
        };
        float sign = inverted ? -1f : 1f;

        // B4. Ink level = median of d = sign·r over the pixels with d > threshold.
        var ink = new QuantileHistogram();
        for (int i = 0; i < lum.Length; i++)
        {
            float d = sign * lum[i];
            if (d > threshold) ink.Add(d);
        }
        if (ink.Count < MinInkPixels)
            return new Outcome(NoDigitReason.TooLittleInk, "Too little ink: only a few pixels stand out from the background.", inverted, bg0, 0f);
        float inkLevel = ink.Quantile(0.5f);

        // B5. Stretch: u = clamp((d − floor) / (inkLevel − floor), 0, 1).
        float span = inkLevel - floor;
        for (int i = 0; i < lum.Length; i++)
        {
            float u = (sign * lum[i] - floor) / span;
            lum[i] = u < 0f ? 0f : u > 1f ? 1f : u;
        }
        return new Outcome(NoDigitReason.None, null, inverted, bg0, inkLevel);
    }
}
