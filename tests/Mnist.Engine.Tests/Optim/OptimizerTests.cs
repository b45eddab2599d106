using System.Numerics;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;
using static Mnist.Engine.Tests.Optim.OptimFixture;

namespace Mnist.Engine.Tests.Optim;

/// <summary>The base-class contract: step counting, learning-rate changes, decay runs, vector/scalar parity, checkpoints.</summary>
public class OptimizerTests
{
    [Theory]
    [MemberData(nameof(OptimizerConfigs.All), MemberType = typeof(OptimizerConfigs))]
    public void VectorAndScalarPaths_AreBitIdentical_Float(string name) => AssertParity<float>(name);

    [Theory]
    [MemberData(nameof(OptimizerConfigs.All), MemberType = typeof(OptimizerConfigs))]
    public void VectorAndScalarPaths_AreBitIdentical_Double(string name) => AssertParity<double>(name);

    private static void AssertParity<T>(string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var vector = OptimizerConfigs.Create(name, OptimizerConfigs.Model<T>());
        var scalar = OptimizerConfigs.Create(name, OptimizerConfigs.Model<T>());
        scalar.Vectorize = false;
        for (int step = 0; step < 5; step++)
        {
            OptimizerConfigs.FillGrads(vector.Parameters, step);
            OptimizerConfigs.FillGrads(scalar.Parameters, step);
            vector.Step();
            scalar.Step();
        }
        AssertBitIdentical(scalar.Parameters.Values, vector.Parameters.Values, "values");
        foreach (var (key, buffer) in scalar.State) AssertBitIdentical(buffer, vector.State[key], key);
    }

    [Theory]
    [MemberData(nameof(OptimizerConfigs.All), MemberType = typeof(OptimizerConfigs))]
    public void ResumeFromState_IsBitIdentical(string name)
    {
        // Uninterrupted: 6 steps, with the learning rate changing as a schedule would.
        var schedule = new CosineSchedule(1, 6, 0.1, warmupSteps: 2);
        var straight = OptimizerConfigs.Create(name, OptimizerConfigs.Model<float>());
        for (int i = 0; i < 6; i++) TakeStep(straight, schedule);

        // Interrupted after 3: checkpoint copies, then a fresh model and optimizer restored from them.
        var first = OptimizerConfigs.Create(name, OptimizerConfigs.Model<float>());
        for (int i = 0; i < 3; i++) TakeStep(first, schedule);
        float[] savedValues = (float[])first.Parameters.Values.Clone();
        var savedState = first.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone());
        long savedStep = first.StepCount;

        var resumed = OptimizerConfigs.Create(name, OptimizerConfigs.Model<float>(seed: 99));
        savedValues.CopyTo(resumed.Parameters.Values, 0);
        resumed.LoadState(savedState, savedStep);
        for (int i = 0; i < 3; i++) TakeStep(resumed, schedule);

        Assert.Equal(6, resumed.StepCount);
        AssertBitIdentical(straight.Parameters.Values, resumed.Parameters.Values, "values");
        foreach (var (key, buffer) in straight.State) AssertBitIdentical(buffer, resumed.State[key], key);
    }

    private static void TakeStep(Optimizer<float> opt, ILearningRateSchedule schedule)
    {
        opt.ZeroGrad();
        OptimizerConfigs.FillGrads(opt.Parameters, opt.StepCount);
        opt.LearningRate = schedule.LearningRateAt(opt.StepCount) * 1e-2;
        opt.Step();
    }

    private static void AssertBitIdentical<T>(T[] expected, T[] actual, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].Equals(actual[i]), $"{what}[{i}]: expected {expected[i]}, actual {actual[i]}");
    }

    [Fact]
    public void Step_CountsAndUsesTheCurrentLearningRate()
    {
        var opt = new Sgd<double>(Create(), 0.1);
        Assert.Equal(0, opt.StepCount);
        opt.Parameters.Grads[0] = 1;
        opt.Step();
        opt.LearningRate = 0.01;
        opt.Step();
        Assert.Equal(2, opt.StepCount);
        Assert.Equal(1 - 0.1 - 0.01, opt.Parameters.Values[0], 15);
    }

    [Fact]
    public void ZeroGrad_ClearsGradients()
    {
        var opt = new Sgd<double>(Create(), 0.1);
        opt.Parameters.Grads.AsSpan().Fill(3);
        opt.ZeroGrad();
        Assert.All(opt.Parameters.Grads, g => Assert.Equal(0, g));
    }

    [Fact]
    public void WeightDecay_FollowsDecayWeightsAcrossInterleavedParameters()
    {
        // decay, no-decay, decay, decay, no-decay: four runs; all grads zero so only decay moves values.
        var set = new ParameterSet<double>(
        [
            new Parameter<double>("a", 2), new Parameter<double>("b", 3) { DecayWeights = false },
            new Parameter<double>("c", 1), new Parameter<double>("d", 2), new Parameter<double>("e", 1) { DecayWeights = false },
        ]);
        set.Values.AsSpan().Fill(1);
        var opt = new Sgd<double>(set, 0.5, weightDecay: 0.2);
        opt.Step();
        Assert.Equal([0.9, 0.9, 1, 1, 1, 0.9, 0.9, 0.9, 1], set.Values);
    }

    [Fact]
    public void State_NamesFollowPyTorch()
    {
        Assert.Empty(new Sgd<double>(Create(), 0.1).State);
        Assert.Equal(["momentum_buffer"], new Sgd<double>(Create(), 0.1, momentum: 0.9).State.Keys);
        Assert.Equal(["exp_avg", "exp_avg_sq"], new Adam<double>(Create()).State.Keys.Order());
        Assert.Equal(["grad_avg", "momentum_buffer", "square_avg"],
            new RmsProp<double>(Create(), momentum: 0.9, centered: true).State.Keys.Order());
        Assert.All(new Adam<double>(Create()).State.Values, b => Assert.Equal(3, b.Length));
    }

    [Fact]
    public void LoadState_RejectsMismatchedBuffers()
    {
        var opt = new Adam<double>(Create());
        var good = new Dictionary<string, double[]> { ["exp_avg"] = new double[3], ["exp_avg_sq"] = new double[3] };
        Assert.Throws<ArgumentException>(() => opt.LoadState(new Dictionary<string, double[]> { ["exp_avg"] = new double[3] }, 1));
        Assert.Throws<ArgumentException>(() => opt.LoadState(new Dictionary<string, double[]> { ["exp_avg"] = new double[3], ["other"] = new double[3] }, 1));
        Assert.Throws<ArgumentException>(() => opt.LoadState(new Dictionary<string, double[]> { ["exp_avg"] = new double[3], ["exp_avg_sq"] = new double[4] }, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => opt.LoadState(good, -1));
        Assert.Throws<ArgumentNullException>(() => opt.LoadState(null!, 1));
        opt.LoadState(good, 7);
        Assert.Equal(7, opt.StepCount);
    }

    [Fact]
    public void LearningRate_RejectsNegativeAndNaN()
    {
        var opt = new Adam<double>(Create());
        Assert.Throws<ArgumentOutOfRangeException>(() => opt.LearningRate = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => opt.LearningRate = double.NaN);
        Assert.Throws<ArgumentNullException>(() => new Adam<double>(null!));
    }

    [Fact]
    public void EmptyParameterSet_StepsWithoutError()
    {
        var opt = new AdamW<double>(new ParameterSet<double>([]));
        opt.Step();
        Assert.Equal(1, opt.StepCount);
    }
}
