namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// Ranges for on-the-fly augmentation. Each sample draws its own rotation, scale, shear and shift
/// uniformly from these ranges; elastic distortion is applied on top when <see cref="ElasticAlpha"/> &gt; 0.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Maximum rotation in degrees; the angle is uniform in ±this. Positive turns counter-clockwise on screen.</summary>
    public float RotationDegrees { get; init; }

    /// <summary>Smallest zoom factor (1 = unchanged).</summary>
    public float ScaleMin { get; init; } = 1f;

    /// <summary>Largest zoom factor.</summary>
    public float ScaleMax { get; init; } = 1f;

    /// <summary>Maximum translation in pixels along each axis; uniform in ±this.</summary>
    public float ShiftPixels { get; init; }

    /// <summary>Maximum horizontal shear angle in degrees; uniform in ±this.</summary>
    public float ShearDegrees { get; init; }

    /// <summary>
    /// Elastic distortion strength in pixels (Simard et al. 2003, "Best practices for convolutional
    /// neural networks applied to visual document analysis"): random displacement fields, uniform in
    /// [-1, 1] per pixel, smoothed by a Gaussian of <see cref="ElasticSigma"/> and scaled by this. 0 = off.
    /// </summary>
    public float ElasticAlpha { get; init; }

    /// <summary>Standard deviation in pixels of the Gaussian that smooths the elastic fields.</summary>
    public float ElasticSigma { get; init; } = 4f;

    /// <summary>
    /// Probability that a sample's strokes are made thicker or thinner: a grey-level dilation (3×3 maximum) or
    /// erosion (3×3 minimum) blended in by a random fraction up to <see cref="ThicknessMax"/>. Pen widths differ
    /// between writers, pens and the stroke renderer of drawn input far more than within MNIST.
    /// </summary>
    public float ThicknessProbability { get; init; }

    /// <summary>Largest blend fraction of the dilation or erosion (1 = one full pixel of growth or thinning).</summary>
    public float ThicknessMax { get; init; } = 1f;

    /// <summary>
    /// Probability that a sample is seen at a lower resolution: area-averaged down to a side of
    /// <see cref="LowResolutionMin"/>–<see cref="LowResolutionMax"/> times the original and scaled back up
    /// bilinearly. A digit that covers a few pixels of a photo or screenshot reaches the network this blurred.
    /// </summary>
    public float LowResolutionProbability { get; init; }

    /// <summary>Smallest side of the low-resolution image as a fraction of the original side.</summary>
    public float LowResolutionMin { get; init; } = 0.3f;

    /// <summary>Largest side of the low-resolution image as a fraction of the original side.</summary>
    public float LowResolutionMax { get; init; } = 0.6f;

    /// <summary>
    /// Probability that a sample is redrawn as pen strokes (<see cref="StrokeRestyler"/>): thinned to its skeleton and
    /// drawn again with a uniform round pen of radius <see cref="StrokePenRadiusMin"/>–<see cref="StrokePenRadiusMax"/>
    /// pixels, the look of tablet and touch-screen input after the stroke path of preprocessing.
    /// </summary>
    public float StrokeStyleProbability { get; init; }

    /// <summary>Smallest pen radius of restyled strokes, in pixels of the 28×28 image.</summary>
    public float StrokePenRadiusMin { get; init; } = 1.0f;

    /// <summary>Largest pen radius of restyled strokes, in pixels of the 28×28 image.</summary>
    public float StrokePenRadiusMax { get; init; } = 2.0f;

    /// <summary>
    /// Probability that a sample is mirrored left to right. Never for digits (a mirrored 2 or 7 is no digit);
    /// right for datasets whose classes are left-right symmetric, such as clothing.
    /// </summary>
    public float HorizontalFlipProbability { get; init; }

    /// <summary>
    /// Probability that a sample labelled 1 gets the up-stroke flag of the continental one (<see cref="OneFlag"/>).
    /// Only for digit datasets, where label 1 is the digit one.
    /// </summary>
    public float OneFlagProbability { get; init; }

    /// <summary>Least angle of the flag below the horizontal, in degrees.</summary>
    public float OneFlagAngleMin { get; init; } = 20f;

    /// <summary>Greatest angle of the flag below the horizontal, in degrees.</summary>
    public float OneFlagAngleMax { get; init; } = 60f;

    /// <summary>Shortest flag, relative to the stem's length.</summary>
    public float OneFlagLengthMin { get; init; } = 0.25f;

    /// <summary>Longest flag, relative to the stem's length.</summary>
    public float OneFlagLengthMax { get; init; } = 0.55f;

    /// <summary>
    /// Probability that a sample is seen as in a photo (<see cref="PhotoSimulator"/>): drawn at
    /// <see cref="PhotoScaleMin"/>–<see cref="PhotoScaleMax"/> times its size, turned up to ±<see cref="PhotoRotationDegrees"/>,
    /// on a canvas of either polarity with uneven lighting and noise, then read back through the image preprocessing.
    /// Such a sample skips the other changes. Any label: a photographed shape must not look more like a digit than a
    /// drawn one. Only for 28×28 samples, the preprocessing's frame.
    /// </summary>
    public float PhotoProbability { get; init; }

    /// <summary>Smallest size of the sample in the photo, relative to its own (0.3 of 28 px: a digit 8 px tall); drawn log-uniformly.</summary>
    public float PhotoScaleMin { get; init; } = 0.3f;

    /// <summary>Largest size of the sample in the photo, relative to its own.</summary>
    public float PhotoScaleMax { get; init; } = 3f;

    /// <summary>Largest rotation of the sample in the photo, in degrees either way.</summary>
    public float PhotoRotationDegrees { get; init; } = 15f;

    /// <summary>Largest standard deviation of the photo's per-pixel noise, in grey levels; each photo draws 0–this.</summary>
    public float PhotoNoiseMax { get; init; } = 16f;

    /// <summary>No augmentation: images are only converted to [0,1].</summary>
    public static AugmentationOptions None { get; } = new();

    /// <summary>Small affine jitter: ±8°, zoom 0.95–1.05, ±2 px.</summary>
    public static AugmentationOptions Light { get; } = new()
    {
        RotationDegrees = 8f, ScaleMin = 0.95f, ScaleMax = 1.05f, ShiftPixels = 2f,
    };

    /// <summary>The training default: ±10°, zoom 0.9–1.1, ±2.5 px, shear ±10°.</summary>
    public static AugmentationOptions Default { get; } = new()
    {
        RotationDegrees = 10f, ScaleMin = 0.9f, ScaleMax = 1.1f, ShiftPixels = 2.5f, ShearDegrees = 10f,
    };

    /// <summary>For clothing (Fashion-MNIST): mirror half of the samples, ±2 px, zoom 0.95–1.05; no rotation or shear,
    /// which garments photographed upright never show.</summary>
    public static AugmentationOptions Clothing { get; } = new()
    {
        HorizontalFlipProbability = 0.5f, ShiftPixels = 2f, ScaleMin = 0.95f, ScaleMax = 1.05f,
    };

    /// <summary><see cref="Default"/> plus Simard-style elastic distortion (alpha 34, sigma 4).</summary>
    public static AugmentationOptions Elastic { get; } = Default with { ElasticAlpha = 34f, ElasticSigma = 4f };

    /// <summary>True when these options leave every image unchanged.</summary>
    public bool IsIdentity =>
        RotationDegrees == 0 && ScaleMin == 1 && ScaleMax == 1 && ShiftPixels == 0 && ShearDegrees == 0 && ElasticAlpha == 0
        && ThicknessProbability == 0 && LowResolutionProbability == 0 && HorizontalFlipProbability == 0
        && StrokeStyleProbability == 0 && OneFlagProbability == 0 && PhotoProbability == 0;

    /// <summary>A preset by name: none, light, default, elastic, clothing (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the presets.</exception>
    public static AugmentationOptions FromName(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "none" or "off" => None,
        "light" => Light,
        "default" or "on" => Default,
        "elastic" => Elastic,
        "clothing" => Clothing,
        _ => throw new ArgumentException($"Unknown augmentation preset '{name}'. Known: none, light, default, elastic, clothing.", nameof(name)),
    };

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A range is negative, reversed or not finite.</exception>
    public void Validate()
    {
        static void Check(bool ok, string what)
        {
            if (!ok) throw new ArgumentOutOfRangeException(what);
        }
        Check(float.IsFinite(RotationDegrees) && RotationDegrees >= 0 && RotationDegrees <= 180, nameof(RotationDegrees));
        Check(float.IsFinite(ScaleMin) && ScaleMin > 0 && float.IsFinite(ScaleMax) && ScaleMax >= ScaleMin, nameof(ScaleMin));
        Check(float.IsFinite(ShiftPixels) && ShiftPixels >= 0, nameof(ShiftPixels));
        Check(float.IsFinite(ShearDegrees) && ShearDegrees >= 0 && ShearDegrees < 80, nameof(ShearDegrees));
        Check(float.IsFinite(ElasticAlpha) && ElasticAlpha >= 0, nameof(ElasticAlpha));
        Check(float.IsFinite(ElasticSigma) && ElasticSigma > 0, nameof(ElasticSigma));
        Check(ThicknessProbability is >= 0 and <= 1, nameof(ThicknessProbability));
        Check(ThicknessMax is >= 0 and <= 1, nameof(ThicknessMax));
        Check(LowResolutionProbability is >= 0 and <= 1, nameof(LowResolutionProbability));
        Check(HorizontalFlipProbability is >= 0 and <= 1, nameof(HorizontalFlipProbability));
        Check(StrokeStyleProbability is >= 0 and <= 1, nameof(StrokeStyleProbability));
        Check(StrokePenRadiusMin is > 0 and <= 4 && StrokePenRadiusMax >= StrokePenRadiusMin && StrokePenRadiusMax <= 4, nameof(StrokePenRadiusMin));
        Check(OneFlagProbability is >= 0 and <= 1, nameof(OneFlagProbability));
        Check(OneFlagAngleMin is > 0 and < 90 && OneFlagAngleMax >= OneFlagAngleMin && OneFlagAngleMax < 90, nameof(OneFlagAngleMin));
        Check(OneFlagLengthMin is > 0 and <= 1 && OneFlagLengthMax >= OneFlagLengthMin && OneFlagLengthMax <= 1, nameof(OneFlagLengthMin));
        Check(LowResolutionMin is > 0 and <= 1 && LowResolutionMax >= LowResolutionMin && LowResolutionMax <= 1, nameof(LowResolutionMin));
        Check(PhotoProbability is >= 0 and <= 1, nameof(PhotoProbability));
        Check(PhotoScaleMin is >= 0.1f and <= 10 && PhotoScaleMax >= PhotoScaleMin && PhotoScaleMax <= 10, nameof(PhotoScaleMin));
        Check(PhotoRotationDegrees is >= 0 and <= 180, nameof(PhotoRotationDegrees));
        Check(PhotoNoiseMax is >= 0 and <= 64, nameof(PhotoNoiseMax));
    }
}
