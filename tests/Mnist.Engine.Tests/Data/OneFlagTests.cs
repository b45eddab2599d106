using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;

namespace Mnist.Engine.Tests.Data;

public class OneFlagTests
{
    // A vertical stem three pixels wide from row 4 to row 23, the shape of a plain MNIST one.
    private static float[] Stem()
    {
        var image = new float[784];
        for (int y = 4; y <= 23; y++)
            for (int x = 13; x <= 15; x++) image[y * 28 + x] = 1f;
        return image;
    }

    private static float Ink(float[] image, int top, int bottom, int left, int right)
    {
        float sum = 0;
        for (int y = top; y <= bottom; y++)
            for (int x = left; x <= right; x++) sum += image[y * 28 + x];
        return sum;
    }

    [Fact]
    public void A_stem_gets_a_flag_down_and_to_the_left_of_its_top()
    {
        var image = Stem();
        var before = (float[])image.Clone();
        Assert.True(OneFlag.TryAdd(image, 28, 28, 40f, 0.4f));
        // New ink left of the stem in the upper part, none right of it and none in the lower half.
        Assert.True(Ink(image, 4, 14, 0, 12) > 8f, "the flag should add ink left of the stem's top");
        Assert.Equal(0f, Ink(image, 0, 27, 17, 27));
        Assert.Equal(Ink(before, 16, 27, 0, 27), Ink(image, 16, 27, 0, 27));
        // The flag slopes down: its ink lies lower the further left it reaches.
        double Row(int x) => Enumerable.Range(0, 28).Where(y => image[y * 28 + x] > 0.5f).DefaultIfEmpty(-1).Average();
        Assert.True(Row(8) > Row(11), $"rows {Row(8)} and {Row(11)}");
        Assert.All(image, v => Assert.InRange(v, 0f, 1f));
        Assert.All(Enumerable.Range(0, 784), i => Assert.True(image[i] >= before[i]));
    }

    [Fact]
    public void A_steeper_and_longer_flag_reaches_lower()
    {
        var shallow = Stem();
        var steep = Stem();
        Assert.True(OneFlag.TryAdd(shallow, 28, 28, 25f, 0.3f));
        Assert.True(OneFlag.TryAdd(steep, 28, 28, 55f, 0.5f));
        Assert.True(Ink(steep, 12, 15, 0, 12) > Ink(shallow, 12, 15, 0, 12));
    }

    [Fact]
    public void Round_shapes_blank_images_and_flat_bars_are_left_alone()
    {
        var ring = new float[784];
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                double r = Math.Sqrt((x - 13.5) * (x - 13.5) + (y - 13.5) * (y - 13.5));
                if (r is > 6 and < 9) ring[y * 28 + x] = 1f;
            }
        var bar = new float[784];
        for (int x = 4; x <= 23; x++) bar[13 * 28 + x] = bar[14 * 28 + x] = 1f;
        foreach (var image in new[] { ring, bar, new float[784] })
        {
            var before = (float[])image.Clone();
            Assert.False(OneFlag.TryAdd(image, 28, 28, 40f, 0.4f));
            Assert.Equal(before, image);
        }
    }

    [Fact]
    public void Arguments_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentException>(() => OneFlag.TryAdd(new float[10], 28, 28, 40f, 0.4f));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneFlag.TryAdd(Stem(), 28, 28, 95f, 0.4f));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneFlag.TryAdd(Stem(), 28, 28, 40f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => (AugmentationOptions.None with { OneFlagProbability = 2 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (AugmentationOptions.None with { OneFlagAngleMin = 50, OneFlagAngleMax = 30 }).Validate());
    }

    [Fact]
    public void The_augmenter_flags_only_samples_labelled_one()
    {
        var stem = Stem().Select(v => (byte)(v * 255)).ToArray();
        var augmenter = new Augmenter(AugmentationOptions.None with { OneFlagProbability = 1 }, seed: 5);
        Assert.False(augmenter.Options.IsIdentity);
        var plain = new float[784];
        Augmenter.ToFloat(stem, plain);
        var seven = new float[784];
        var unknown = new float[784];
        var one = new float[784];
        augmenter.Augment(stem, seven, epoch: 0, sampleIndex: 3, label: 7);
        augmenter.Augment(stem, unknown, epoch: 0, sampleIndex: 3);
        augmenter.Augment(stem, one, epoch: 0, sampleIndex: 3, label: 1);
        Assert.Equal(plain, seven);
        Assert.Equal(plain, unknown);
        Assert.True(Ink(one, 0, 27, 0, 12) > 4f);
        var again = new float[784];
        augmenter.Augment(stem, again, epoch: 0, sampleIndex: 3, label: 1);
        Assert.Equal(one, again);
    }

    [Fact]
    public void Enabling_the_flag_leaves_other_labels_bit_identical()
    {
        var (images, labels) = MnistTestData.Synthetic(64);
        var data = new MnistDataset(images, labels);
        var without = new Augmenter(AugmentationOptions.Default with { StrokeStyleProbability = 0.5f, LowResolutionProbability = 0.5f }, seed: 9);
        var with = new Augmenter(without.Options with { OneFlagProbability = 1 }, seed: 9);
        var a = new float[784];
        var b = new float[784];
        for (int i = 0; i < data.Count; i++)
        {
            if (data.Labels[i] == 1) continue;
            without.Augment(data.Image(i), a, 2, i, data.Labels[i]);
            with.Augment(data.Image(i), b, 2, i, data.Labels[i]);
            Assert.Equal(a, b);
        }
    }
}
