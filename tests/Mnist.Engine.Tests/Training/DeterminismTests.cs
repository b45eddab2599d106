using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Networks;
using Mnist.Engine.Tensors;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

public class DeterminismTests
{
    [Theory]
    [InlineData("lenet", 32)]
    [InlineData("seed", 4)]
    public void SameSeedGivesBitIdenticalWeightsAfter100Steps(string arch, int batch)
    {
        var first = Train(arch, batch, steps: 100);
        var second = Train(arch, batch, steps: 100);
        Assert.Equal(first.Length, second.Length);
        int firstDifference = -1;
        for (int i = 0; i < first.Length && firstDifference < 0; i++)
            if (BitConverter.SingleToInt32Bits(first[i]) != BitConverter.SingleToInt32Bits(second[i])) firstDifference = i;
        Assert.True(firstDifference < 0, $"{arch}: weights differ first at {firstDifference}: {(firstDifference >= 0 ? $"{first[firstDifference]:R} vs {second[firstDifference]:R}" : "")}");
        // And training moved them: the check would be empty if nothing changed.
        var initial = Architectures.Create<float>(arch, seed: 5).Parameters.Values;
        Assert.NotEqual(initial, first);
    }

    private static float[] Train(string arch, int batch, int steps)
    {
        Assert.True(Parallelism.Degree >= 1);
        var model = Architectures.Create<float>(arch, seed: 5);
        var (optimizer, _) = EngineBenchmark.PeerRecipe(arch, model);
        var trainer = new Trainer(model, optimizer, labelSmoothing: 0.1);
        var rng = new SplitMix(11);
        var x = new Tensor<float>(batch, 1, 28, 28);
        var labels = new int[batch];
        for (int step = 0; step < steps; step++)
        {
            for (int i = 0; i < x.Length; i++) x.Data[i] = rng.NextSingle();
            for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(10);
            double loss = trainer.Step(x, labels);
            Assert.True(double.IsFinite(loss), $"step {step}: loss {loss}");
        }
        return (float[])model.Parameters.Values.Clone();
    }
}
