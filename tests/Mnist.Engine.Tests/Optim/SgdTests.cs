using Mnist.Engine.Optim;
using static Mnist.Engine.Tests.Optim.OptimFixture;

namespace Mnist.Engine.Tests.Optim;

public class SgdTests
{
    [Fact]
    public void Plain_MatchesHandValues()
    {
        var trace = Run(new Sgd<double>(Create(), 0.1));
        AssertTrace(SgdReference(0.1), trace);
        // w − 0.1·Σg by hand: 1 − 0.1·0.7, −2 − 0.1·0.1, 0.5 − 0.1·0.25.
        AssertClose([0.93, -2.01, 0.475], trace[^1]);
    }

    [Fact]
    public void Momentum_FirstBufferIsTheGradient()
    {
        var trace = Run(new Sgd<double>(Create(), 0.1, momentum: 0.9));
        AssertTrace(SgdReference(0.1, 0.9), trace);
        // By hand for w[0]: b = 0.5 → w = 0.95; b = 0.45 + 0.4 = 0.85 → 0.865; b = 0.765 − 0.2 = 0.565 → 0.8085.
        AssertClose([0.95, -1.97, 0.48], trace[0]);
        AssertClose([0.8085, -1.9677, 0.4588], trace[^1]);
    }

    [Fact]
    public void Dampening_SkipsTheFirstStep()
    {
        var trace = Run(new Sgd<double>(Create(), 0.1, momentum: 0.9, dampening: 0.5));
        AssertTrace(SgdReference(0.1, 0.9, 0.5), trace);
        AssertClose([0.95, -1.97, 0.48], trace[0]);
        AssertClose([0.8365, -1.9432, 0.4523], trace[^1]);
    }

    [Fact]
    public void NesterovWithWeightDecay_MatchesReference()
    {
        var trace = Run(new Sgd<double>(Create(), 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1));
        AssertTrace(SgdReference(0.1, 0.9, 0, nesterov: true, weightDecay: 0.1), trace);
        // Step 1, w[0]: g = 0.5 + 0.1·1 = 0.6, b = 0.6, g' = 0.6 + 0.54 = 1.14 → 1 − 0.114.
        // b (no decay): g = 0.2, g' = 0.2 + 0.18 = 0.38 → 0.5 − 0.038.
        Assert.Equal(0.886, trace[0][0], 12);
        Assert.Equal(0.462, trace[0][2], 12);
        AssertClose([0.685102646, -1.825425705, 0.43792], trace[^1]);
    }

    [Fact]
    public void WeightDecay_SkipsParametersWithoutDecayWeights()
    {
        var trace = Run(new Sgd<double>(Create(), 0.1, weightDecay: 0.5));
        // w[0]: 1 − 0.1·(0.5 + 0.5·1) = 0.9; the bias ignores the decay: 0.5 − 0.02.
        Assert.Equal(0.9, trace[0][0], 12);
        Assert.Equal(0.48, trace[0][2], 12);
        AssertTrace(SgdReference(0.1, weightDecay: 0.5), trace);
    }

    [Theory]
    [InlineData(-0.1, 0, 0, false, 0, "learningRate")]
    [InlineData(double.NaN, 0, 0, false, 0, "learningRate")]
    [InlineData(0.1, -0.9, 0, false, 0, "momentum")]
    [InlineData(0.1, 0.9, 1.5, false, 0, "dampening")]
    [InlineData(0.1, 0, 0, false, -1, "weightDecay")]
    [InlineData(0.1, double.PositiveInfinity, 0, false, 0, "momentum")]
    public void Constructor_RejectsBadHyperParameters(double lr, double momentum, double dampening, bool nesterov, double wd, string name)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<double>(Create(), lr, momentum, dampening, nesterov, wd));
        Assert.Equal(name, ex.ParamName);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0.9, 0.1)]
    public void Nesterov_RequiresMomentumAndNoDampening(double momentum, double dampening)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sgd<double>(Create(), 0.1, momentum, dampening, nesterov: true));
        Assert.Equal("nesterov", ex.ParamName);
    }
}
