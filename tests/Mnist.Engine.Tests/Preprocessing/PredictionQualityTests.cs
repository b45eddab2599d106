using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Preprocessing;

public class PredictionQualityTests
{
    [Fact]
    public void ClearWinner_IsConfident()
    {
        PredictionAssessment a = PredictionQuality.Assess([0.01f, 0.9f, 0.02f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f]);
        Assert.Equal(1, a.Digit);
        Assert.Equal(0.9f, a.Confidence);
        Assert.Equal(0.88f, a.Margin, 1e-6f);
        Assert.True(a.IsConfident);
    }

    [Fact]
    public void LowTop1_IsAmbiguous() =>
        Assert.False(PredictionQuality.Assess([0.45f, 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0f]).IsConfident);

    [Fact]
    public void CloseRunnerUp_IsAmbiguous()
    {
        PredictionAssessment a = PredictionQuality.Assess([0f, 0f, 0f, 0.4f, 0f, 0f, 0f, 0f, 0.55f, 0.05f]);
        Assert.Equal(8, a.Digit);
        Assert.False(a.IsConfident);
    }

    [Fact]
    public void BadVectors_Throw()
    {
        Assert.Throws<ArgumentException>(() => PredictionQuality.Assess([1f]));
        Assert.Throws<ArgumentException>(() => PredictionQuality.Assess([0.5f, float.NaN]));
        Assert.Throws<ArgumentException>(() => PredictionQuality.Assess([1.5f, -0.5f]));
    }
}
