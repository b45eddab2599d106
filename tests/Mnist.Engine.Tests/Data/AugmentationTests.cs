using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;

namespace Mnist.Engine.Tests.Data;

public class AugmentationTests
{
    private static readonly MnistDataset Small = MakeSmall();

    private static MnistDataset MakeSmall()
    {
        var (images, labels) = MnistTestData.Synthetic(64, seed: 7);
        return new MnistDataset(images, labels);
    }

    private static float[] Batch(AugmentationOptions options, ulong seed, int threads, int epoch = 0)
    {
        var aug = new Augmenter(options, seed);
        int[] indices = [.. Enumerable.Range(0, Small.Count).Reverse()];
        var output = new float[Small.Count * 784];
        aug.AugmentBatch(Small, indices, indices.Length, output, epoch, threads);
        return output;
    }

    [Theory]
    [InlineData("default")]
    [InlineData("elastic")]
    public void Same_seed_gives_identical_output_for_any_thread_count(string preset)
    {
        var options = AugmentationOptions.FromName(preset);
        float[] one = Batch(options, 42, threads: 1);
        Assert.Equal(one, Batch(options, 42, threads: 1));
        Assert.Equal(one, Batch(options, 42, threads: 3));
        Assert.Equal(one, Batch(options, 42, threads: 8));
        Assert.NotEqual(one, Batch(options, 43, threads: 1));
        Assert.NotEqual(one, Batch(options, 42, threads: 1, epoch: 1));
    }

    [Fact]
    public void Sample_stream_depends_only_on_seed_epoch_and_index()
    {
        var aug = new Augmenter(AugmentationOptions.Default, 5);
        var a = new float[784];
        var b = new float[784];
        aug.Augment(Small.Image(3), a, epoch: 2, sampleIndex: 3);
        _ = aug.SampleTransform(9, 9); // unrelated draws do not disturb anything
        aug.Augment(Small.Image(3), b, epoch: 2, sampleIndex: 3);
        Assert.Equal(a, b);
        Assert.Equal(aug.SampleTransform(2, 3), new Augmenter(AugmentationOptions.Default, 5).SampleTransform(2, 3));
    }

    [Fact]
    public void Identity_leaves_the_image_unchanged()
    {
        var expected = new float[784];
        Augmenter.ToFloat(Small.Image(0), expected);
        Assert.Equal(expected, Batch(AugmentationOptions.None, 1, 2)[^784..]);
        Assert.Equal(Small.Image(0)[100] / 255f, expected[100]);

        var warped = new float[784];
        new Augmenter(AugmentationOptions.None, 0).Warp(Small.Image(0), warped, AffineTransform.Identity);
        Assert.Equal(expected, warped);
        Assert.True(AugmentationOptions.None.IsIdentity);
        Assert.False(AugmentationOptions.Default.IsIdentity);
    }

    private static (double X, double Y, double Mass) CentreOfMass(ReadOnlySpan<float> image)
    {
        double m = 0, x = 0, y = 0;
        for (int i = 0; i < 784; i++)
        {
            m += image[i];
            x += image[i] * (i % 28);
            y += image[i] * (i / 28);
        }
        return (x / m, y / m, m);
    }

    private static byte[] Blob(int cx, int cy)
    {
        var img = new byte[784];
        for (int y = cy - 1; y <= cy + 1; y++)
            for (int x = cx - 1; x <= cx + 1; x++) img[y * 28 + x] = 255;
        return img;
    }

    [Fact]
    public void Rotation_moves_mass_counter_clockwise()
    {
        // A blob right of the centre (13.5, 13.5); +90° on screen (y down) puts it above the centre.
        var aug = new Augmenter(AugmentationOptions.None, 0);
        var output = new float[784];
        aug.Warp(Blob(21, 13), output, new AffineTransform(90, 1, 0, 0, 0));
        var (x, y, mass) = CentreOfMass(output);
        Assert.Equal(13.0, x, 0.6);  // centre column (13.5 - (13 - 13.5))
        Assert.Equal(6.0, y, 0.6);   // 13.5 - (21 - 13.5)
        Assert.Equal(9.0, mass, 0.5); // bilinear keeps the ink

        aug.Warp(Blob(21, 13), output, new AffineTransform(180, 1, 0, 0, 0));
        (x, y, _) = CentreOfMass(output);
        Assert.Equal(6.0, x, 0.6);
        Assert.Equal(14.0, y, 0.6);
    }

    [Fact]
    public void Shift_and_scale_move_mass_as_expected()
    {
        var aug = new Augmenter(AugmentationOptions.None, 0);
        var output = new float[784];
        aug.Warp(Blob(10, 10), output, new AffineTransform(0, 1, 0, 2.5f, -1.5f));
        var (x, y, _) = CentreOfMass(output);
        Assert.Equal(12.5, x, 0.01);
        Assert.Equal(8.5, y, 0.01);

        aug.Warp(Blob(17, 13), output, new AffineTransform(0, 2, 0, 0, 0)); // zoom doubles the offset from the centre
        (x, _, _) = CentreOfMass(output);
        Assert.Equal(13.5 + 2 * (17 - 13.5), x, 0.6);
    }

    [Fact]
    public void Elastic_distortion_moves_pixels_but_keeps_the_digit()
    {
        var options = AugmentationOptions.None with { ElasticAlpha = 34, ElasticSigma = 4 };
        var aug = new Augmenter(options, 3);
        var digit = new float[784];
        var plain = new float[784];
        byte[] blob = Blob(14, 14);
        aug.Augment(blob, digit, 0, 0);
        Augmenter.ToFloat(blob, plain);
        Assert.NotEqual(plain, digit);
        var (x, y, mass) = CentreOfMass(digit);
        Assert.InRange(x, 10, 18);
        Assert.InRange(y, 10, 18);
        Assert.InRange(mass, 3, 20);
        Assert.All(digit, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Thickness_grows_and_thins_strokes_by_a_pixel_at_full_strength()
    {
        var aug = new Augmenter(AugmentationOptions.None, 0);
        var image = new float[784];
        image[14 * 28 + 14] = 1f;
        aug.ChangeThickness(image, 1f);
        Assert.Equal(9f, image.Sum(), 3);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) Assert.Equal(1f, image[(14 + dy) * 28 + 14 + dx]);

        aug.ChangeThickness(image, -1f);
        Assert.Equal(1f, image.Sum(), 3);
        Assert.Equal(1f, image[14 * 28 + 14]);

        aug.ChangeThickness(image, 0.25f); // a quarter of the way to the dilation
        Assert.Equal(1f + 8 * 0.25f, image.Sum(), 3);
    }

    [Fact]
    public void Resampling_keeps_flat_images_and_blurs_fine_detail()
    {
        var aug = new Augmenter(AugmentationOptions.None, 0);
        var flat = Enumerable.Repeat(0.4f, 784).ToArray();
        aug.Resample(flat, 9);
        Assert.All(flat, v => Assert.Equal(0.4f, v, 4));

        var checker = new float[784];
        for (int i = 0; i < 784; i++) checker[i] = ((i / 28) + (i % 28)) % 2;
        var untouched = (float[])checker.Clone();
        aug.Resample(untouched, 28);
        Assert.Equal(checker, untouched); // full resolution: the round trip is the identity
        aug.Resample(checker, 10);
        Assert.All(checker, v => Assert.InRange(v, 0.2f, 0.8f)); // one-pixel detail cannot survive 10 pixels
        Assert.Equal(392f, checker.Sum(), 392f * 0.05f);
    }

    [Fact]
    public void Degradations_leave_the_affine_draws_alone_and_stay_deterministic()
    {
        var degraded = AugmentationOptions.Default with { ThicknessProbability = 1, LowResolutionProbability = 1, StrokeStyleProbability = 1 };
        Assert.False((AugmentationOptions.None with { ThicknessProbability = 0.5f }).IsIdentity);
        Assert.Equal(new Augmenter(AugmentationOptions.Default, 9).SampleTransform(1, 5), new Augmenter(degraded, 9).SampleTransform(1, 5));
        float[] one = Batch(degraded, 42, threads: 1);
        Assert.Equal(one, Batch(degraded, 42, threads: 3));
        Assert.NotEqual(Batch(AugmentationOptions.Default, 42, threads: 1), one);
        Assert.All(one, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Non_digits_are_never_seen_at_low_resolution()
    {
        var lowRes = AugmentationOptions.None with { LowResolutionProbability = 1, LowResolutionMin = 0.3f, LowResolutionMax = 0.3f };
        var aug = new Augmenter(lowRes, 3);
        var image = new byte[784];
        for (int i = 0; i < 784; i++) image[i] = (byte)((i / 28 + i % 28) % 2 * 255); // one-pixel detail
        var digit = new float[784];
        var nonDigit = new float[784];
        aug.Augment(image, digit, 0, 7, label: 5);
        aug.Augment(image, nonDigit, 0, 7, label: MnistDataset.NotADigit);
        var plain = new float[784];
        Augmenter.ToFloat(image, plain);
        Assert.Equal(plain, nonDigit);
        Assert.All(digit, v => Assert.InRange(v, 0.2f, 0.8f)); // the digit's detail is blurred away
    }

    [Fact]
    public void Flipping_mirrors_left_to_right()
    {
        var aug = new Augmenter(AugmentationOptions.None with { HorizontalFlipProbability = 1 }, 0);
        var output = new float[784];
        aug.Augment(Blob(6, 14), output, 0, 0);
        var (x, y, _) = CentreOfMass(output);
        Assert.Equal(27 - 6, x, 0.01);
        Assert.Equal(14, y, 0.01);
        Assert.True(AugmentationOptions.FromName("clothing").HorizontalFlipProbability > 0);
    }

    [Fact]
    public void Bad_ranges_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Augmenter(AugmentationOptions.None with { ScaleMin = 2, ScaleMax = 1 }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Augmenter(AugmentationOptions.None with { ElasticSigma = 0 }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Augmenter(AugmentationOptions.None with { ThicknessProbability = 1.5f }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Augmenter(AugmentationOptions.None with { LowResolutionMin = 0.7f, LowResolutionMax = 0.5f }, 0));
        Assert.Throws<ArgumentException>(() => AugmentationOptions.FromName("wild"));
    }

    [Fact]
    public void StreamRandom_is_uniform_enough_and_unbiased()
    {
        var rng = new StreamRandom(1, 2, 3);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[rng.NextInt(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.NotEqual(new StreamRandom(1, 2, 3).NextUInt64(), new StreamRandom(1, 2, 4).NextUInt64());
        Assert.Equal(new StreamRandom(9, 8).NextUInt64(), new StreamRandom(9, 8).NextUInt64());
        for (int i = 0; i < 1000; i++) Assert.InRange(rng.NextSingle(), 0f, 0.99999994f);
    }
}
