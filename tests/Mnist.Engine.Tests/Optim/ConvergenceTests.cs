using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Optim;

/// <summary>Each optimizer minimizes f(w) = ½·Σ aᵢ(wᵢ − cᵢ)², an ill-conditioned quadratic (a from 0.5 to 4).</summary>
public class ConvergenceTests
{
    private static readonly double[] A = [0.5, 1, 2, 4];
    private static readonly double[] C = [3, -1, 0.5, 2];

    public static TheoryData<string> Optimizers() =>
    [
        "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adamw", "rms-keras", "rms-legacy", "rms-torch", "rms-keras-momentum-centered",
    ];

    private static Optimizer<double> Create(string name, ParameterSet<double> p) => name switch
    {
        "sgd" => new Sgd<double>(p, 0.2),
        "sgd-momentum" => new Sgd<double>(p, 0.05, momentum: 0.9),
        "sgd-nesterov" => new Sgd<double>(p, 0.05, momentum: 0.9, nesterov: true),
        "adam" => new Adam<double>(p, 0.05),
        "adamw" => new AdamW<double>(p, 0.05, weightDecay: 0),
        "rms-keras" => new RmsProp<double>(p, 0.01),
        "rms-legacy" => new RmsProp<double>(p, 0.01, semantics: RmsPropSemantics.TfKerasLegacy),
        "rms-torch" => new RmsProp<double>(p, 0.01, semantics: RmsPropSemantics.PyTorch),
        "rms-keras-momentum-centered" => new RmsProp<double>(p, 0.005, momentum: 0.5, centered: true),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void MinimizesAQuadratic(string name)
    {
        var set = new ParameterSet<double>([new Parameter<double>("w", A.Length)]);
        var opt = Create(name, set);
        var schedule = new CosineSchedule(opt.LearningRate, 2000);
        for (int step = 0; step < 2000; step++)
        {
            opt.ZeroGrad();
            for (int i = 0; i < A.Length; i++) set.Grads[i] = A[i] * (set.Values[i] - C[i]);
            opt.LearningRate = schedule.LearningRateAt(step);
            opt.Step();
        }
        for (int i = 0; i < A.Length; i++)
            Assert.True(Math.Abs(set.Values[i] - C[i]) < 1e-3, $"{name}: w[{i}] = {set.Values[i]}, target {C[i]}");
    }
}
