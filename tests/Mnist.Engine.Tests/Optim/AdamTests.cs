using Mnist.Engine.Optim;
using static Mnist.Engine.Tests.Optim.OptimFixture;

namespace Mnist.Engine.Tests.Optim;

public class AdamTests
{
    [Fact]
    public void FirstStep_MovesEachWeightByAboutLr()
    {
        var set = Create();
        var adam = new Adam<double>(set, learningRate: 1e-3);
        Grads[0].CopyTo(set.Grads, 0);
        adam.Step();
        // Bias-corrected m̂ = g, v̂ = g², so w −= lr·|g|/(|g| + ε)·sign(g): 1 − 1e-3·0.5/(0.5 + 1e-8).
        Assert.Equal(1 - 1e-3 * 0.5 / (0.5 + 1e-8), set.Values[0], 15);
        Assert.Equal(0.999000000020, set.Values[0], 12);
        Assert.Equal(-1.999000000033, set.Values[1], 12);
        Assert.Equal(0.499000000050, set.Values[2], 12);
    }

    [Fact]
    public void L2WeightDecay_MatchesReference()
    {
        var trace = Run(new Adam<double>(Create(), 0.01, weightDecay: 0.1));
        AssertTrace(AdamReference(0.01, 0.9, 0.999, 1e-8, 0.1, decoupled: false), trace);
        AssertClose([0.9733221660644513, -1.9771551330662365, 0.48659862300991247], trace[^1]);
    }

    [Fact]
    public void AdamW_DecouplesTheDecay()
    {
        var trace = Run(new AdamW<double>(Create(), 0.01, weightDecay: 0.1));
        AssertTrace(AdamReference(0.01, 0.9, 0.999, 1e-8, 0.1, decoupled: true), trace);
        AssertClose([0.9717672422312557, -1.9821832245541522, 0.48659862300991247], trace[^1]);
    }

    [Fact]
    public void AdamAndAdamW_DifferOnlyWhereDecayApplies()
    {
        var adam = Run(new Adam<double>(Create(), 0.01, weightDecay: 0.1))[^1];
        var adamW = Run(new AdamW<double>(Create(), 0.01, weightDecay: 0.1))[^1];
        Assert.NotEqual(adam[0], adamW[0]);
        Assert.NotEqual(adam[1], adamW[1]);
        Assert.Equal(adam[2], adamW[2]); // the bias has DecayWeights = false

        // Without decay they are the same algorithm.
        var plain = Run(new Adam<double>(Create(), 0.01))[^1];
        var plainW = Run(new AdamW<double>(Create(), 0.01, weightDecay: 0))[^1];
        Assert.Equal(plain, plainW);
    }

    [Fact]
    public void AdamW_DefaultWeightDecayIsPyTorchs() =>
        Assert.Equal(0.01, new AdamW<double>(Create()).WeightDecay);

    [Theory]
    [InlineData(-1e-3, 0.9, 0.999, 1e-8, 0, "learningRate")]
    [InlineData(1e-3, 1.0, 0.999, 1e-8, 0, "beta1")]
    [InlineData(1e-3, -0.1, 0.999, 1e-8, 0, "beta1")]
    [InlineData(1e-3, 0.9, 1.0, 1e-8, 0, "beta2")]
    [InlineData(1e-3, 0.9, 0.999, -1e-8, 0, "epsilon")]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, -0.1, "weightDecay")]
    public void Constructor_RejectsBadHyperParameters(double lr, double b1, double b2, double eps, double wd, string name)
    {
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(Create(), lr, b1, b2, eps, wd)).ParamName);
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW<double>(Create(), lr, b1, b2, eps, wd)).ParamName);
    }
}
