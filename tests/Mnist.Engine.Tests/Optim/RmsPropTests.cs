using Mnist.Engine.Optim;
using static Mnist.Engine.Tests.Optim.OptimFixture;

namespace Mnist.Engine.Tests.Optim;

public class RmsPropTests
{
    // A large ε makes where it sits visible.
    private const double Lr = 0.01, Rho = 0.9, Eps = 1e-2;

    [Fact]
    public void Keras_PutsEpsilonInsideTheRoot()
    {
        var trace = Run(new RmsProp<double>(Create(), Lr, Rho, Eps, semantics: RmsPropSemantics.Keras));
        AssertTrace(RmsPropReference(RmsPropSemantics.Keras, Lr, Rho, Eps), trace);
        // Step 1, w[0]: v = 0.1·0.25 = 0.025 → 1 − 0.01·0.5/√0.035.
        Assert.Equal(1 - 0.005 / Math.Sqrt(0.035), trace[0][0], 14);
        Assert.Equal(0.973273876, trace[0][0], 9);
        AssertClose([0.9641783325102031, -2.003664975131225, 0.48172012825928073], trace[^1]);
    }

    [Fact]
    public void PyTorch_PutsEpsilonOutsideTheRoot()
    {
        var trace = Run(new RmsProp<double>(Create(), Lr, Rho, Eps, semantics: RmsPropSemantics.PyTorch));
        AssertTrace(RmsPropReference(RmsPropSemantics.PyTorch, Lr, Rho, Eps), trace);
        // Step 1, w[0]: 1 − 0.01·0.5/(√0.025 + 0.01).
        Assert.Equal(1 - 0.005 / (Math.Sqrt(0.025) + 0.01), trace[0][0], 14);
        Assert.Equal(0.970258256, trace[0][0], 9);
        AssertClose([0.9605416752003239, -2.002140824619994, 0.47318078318237883], trace[^1]);
    }

    [Fact]
    public void TfKerasLegacy_WithoutMomentum_EqualsPyTorch()
    {
        var legacy = Run(new RmsProp<double>(Create(), Lr, Rho, Eps, semantics: RmsPropSemantics.TfKerasLegacy));
        var torch = Run(new RmsProp<double>(Create(), Lr, Rho, Eps, semantics: RmsPropSemantics.PyTorch));
        AssertTrace(torch, legacy);
    }

    [Fact]
    public void KerasAndPyTorch_Differ_AndTheGapShrinksWithEpsilon()
    {
        double Gap(double eps)
        {
            var keras = Run(new RmsProp<double>(Create(), Lr, Rho, eps, semantics: RmsPropSemantics.Keras))[^1];
            var torch = Run(new RmsProp<double>(Create(), Lr, Rho, eps, semantics: RmsPropSemantics.PyTorch))[^1];
            return Math.Abs(keras[0] - torch[0]);
        }
        Assert.True(Gap(1e-2) > 1e-3);
        Assert.True(Gap(1e-7) < 1e-5);
        Assert.True(Gap(1e-7) > 0);
    }

    [Fact]
    public void Keras_MomentumCenteredDecoupledDecay_MatchesReference()
    {
        var trace = Run(new RmsProp<double>(Create(), Lr, Rho, Eps, momentum: 0.5, centered: true, weightDecay: 0.1));
        AssertTrace(RmsPropReference(RmsPropSemantics.Keras, Lr, Rho, Eps, 0.5, true, 0.1), trace);
        AssertClose([0.9284032213621346, -1.9842344102577303, 0.4759561392721564], trace[^1]);
    }

    [Fact]
    public void TfKerasLegacy_MomentumCentered_UsesTheTfKernel()
    {
        var trace = Run(new RmsProp<double>(Create(), Lr, Rho, Eps, momentum: 0.5, centered: true, semantics: RmsPropSemantics.TfKerasLegacy));
        AssertTrace(RmsPropReference(RmsPropSemantics.TfKerasLegacy, Lr, Rho, Eps, 0.5, true), trace);
        AssertClose([0.9313112238994204, -1.9901799786124335, 0.4759561392721564], trace[^1]);
    }

    [Fact]
    public void PyTorch_MomentumCenteredL2Decay_MatchesReference()
    {
        var trace = Run(new RmsProp<double>(Create(), Lr, Rho, Eps, momentum: 0.5, centered: true, weightDecay: 0.1, semantics: RmsPropSemantics.PyTorch));
        AssertTrace(RmsPropReference(RmsPropSemantics.PyTorch, Lr, Rho, Eps, 0.5, true, 0.1), trace);
        AssertClose([0.9164308637809394, -1.9426581293481526, 0.46039249521373], trace[^1]);
    }

    [Fact]
    public void Defaults_AreKerasDefaults()
    {
        var opt = new RmsProp<double>(Create());
        Assert.Equal((1e-3, 0.9, 1e-7, 0.0, false, RmsPropSemantics.Keras),
            (opt.LearningRate, opt.Rho, opt.Epsilon, opt.Momentum, opt.Centered, opt.Semantics));
        Assert.Equal(["square_avg"], opt.State.Keys);
    }

    [Theory]
    [InlineData(-1.0, 0.9, 1e-7, 0, 0, "learningRate")]
    [InlineData(1e-3, 1.5, 1e-7, 0, 0, "rho")]
    [InlineData(1e-3, 0.9, -1.0, 0, 0, "epsilon")]
    [InlineData(1e-3, 0.9, 1e-7, -0.5, 0, "momentum")]
    [InlineData(1e-3, 0.9, 1e-7, 0, -0.5, "weightDecay")]
    public void Constructor_RejectsBadHyperParameters(double lr, double rho, double eps, double momentum, double wd, string name) =>
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp<double>(Create(), lr, rho, eps, momentum, weightDecay: wd)).ParamName);

    [Fact]
    public void Constructor_RejectsUnknownSemanticsAndLegacyWeightDecay()
    {
        Assert.Equal("semantics", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp<double>(Create(), semantics: (RmsPropSemantics)7)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentException>(() => new RmsProp<double>(Create(), weightDecay: 0.1, semantics: RmsPropSemantics.TfKerasLegacy)).ParamName);
    }
}
