using Mnist.Engine.Optim;

namespace Mnist.Engine.Tests.Optim;

public class ScheduleTests
{
    private const int Digits = 12;

    [Fact]
    public void Constant()
    {
        var s = new ConstantSchedule(0.3);
        Assert.Equal(0.3, s.LearningRateAt(0));
        Assert.Equal(0.3, s.LearningRateAt(1_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.LearningRateAt(-1));
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(-1)).ParamName);
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(9, 0.1)]
    [InlineData(10, 0.05)]
    [InlineData(19, 0.05)]
    [InlineData(25, 0.025)]
    [InlineData(100, 0.1 / 1024)]
    public void Step_DecaysEveryStepSize(long step, double expected) =>
        Assert.Equal(expected, new StepSchedule(0.1, 10, 0.5).LearningRateAt(step), Digits);

    [Fact]
    public void Step_Validation()
    {
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1, 0)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1, 5, -0.5)).ParamName);
        Assert.Equal(0.1 * 0.1, new StepSchedule(0.1, 5).LearningRateAt(5), Digits); // PyTorch's default γ
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(25, 0.8535533905932737)] // (1 + cos(π/4))/2
    [InlineData(50, 0.5)]
    [InlineData(75, 0.1464466094067262)]
    [InlineData(100, 0.0)]
    [InlineData(500, 0.0)]
    public void Cosine_WithoutWarmup(long step, double expected) =>
        Assert.Equal(expected, new CosineSchedule(1.0, 100).LearningRateAt(step), Digits);

    [Theory]
    [InlineData(0, 0.1)]   // 1·1/10
    [InlineData(4, 0.5)]
    [InlineData(9, 1.0)]   // warm-up ends at the peak
    [InlineData(10, 1.0)]  // cosine starts at the peak
    [InlineData(55, 0.55)] // halfway through the cosine: 0.1 + 0.9/2
    [InlineData(100, 0.1)]
    public void Cosine_WithWarmupAndFloor(long step, double expected) =>
        Assert.Equal(expected, new CosineSchedule(1.0, 100, minLearningRate: 0.1, warmupSteps: 10).LearningRateAt(step), Digits);

    [Fact]
    public void Cosine_Validation()
    {
        Assert.Equal("totalSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1, 0)).ParamName);
        Assert.Equal("minLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1, 10, 2)).ParamName);
        Assert.Equal("warmupSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1, 10, 0, 10)).ParamName);
        Assert.Equal("warmupSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1, 10, 0, -1)).ParamName);
    }

    // maxLr 1, 100 steps, PyTorch defaults: lr₀ = 0.04, lr_min = 4e-6, phase 1 ends at 0.3·100 − 1 = 29.000000000000004.
    [Theory]
    [InlineData(0, 0.04)]
    [InlineData(1, 0.042813780565907456)]
    [InlineData(15, 0.5459866761210004)]
    [InlineData(29, 1.0)]
    [InlineData(30, 0.9994965352845243)]
    [InlineData(60, 0.5892800902855287)]
    [InlineData(99, 4e-6)]
    [InlineData(100, 0.0005074647154757324)] // PyTorch still evaluates step N
    public void OneCycle_MatchesPyTorchCurve(long step, double lr)
    {
        var s = new OneCycleSchedule(1.0, 100);
        Assert.Equal(lr, s.LearningRateAt(step), Digits);
    }

    [Fact]
    public void OneCycle_PeakAndEnds()
    {
        var s = new OneCycleSchedule(0.01, 1000, pctStart: 0.25, divFactor: 10, finalDivFactor: 100);
        Assert.Equal(0.001, s.LearningRateAt(0), Digits);
        Assert.Equal(0.01, s.LearningRateAt(249), Digits);   // 0.25·1000 − 1
        Assert.Equal(1e-5, s.LearningRateAt(999), Digits);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.LearningRateAt(1001));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.LearningRateAt(-1));
    }

    [Fact]
    public void OneCycle_Validation()
    {
        Assert.Equal("maxLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0, 100)).ParamName);
        Assert.Equal("totalSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(1, 0)).ParamName);
        Assert.Equal("pctStart", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(1, 100, 1.0)).ParamName);
        Assert.Equal("pctStart", Assert.Throws<ArgumentException>(() => new OneCycleSchedule(1, 10, 0.1)).ParamName);
        Assert.Equal("divFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(1, 100, divFactor: 0)).ParamName);
        Assert.Equal("finalDivFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(1, 100, finalDivFactor: -1)).ParamName);
    }
}
