using System.Numerics;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Tests.Optim;

/// <summary>Every optimizer configuration worth a parity or resume check, by name, plus a seeded odd-sized model.</summary>
internal static class OptimizerConfigs
{
    public static readonly string[] Names =
    [
        "sgd", "sgd-momentum", "sgd-dampening", "sgd-nesterov-wd",
        "adam", "adam-wd", "adamw",
        "rms-keras", "rms-keras-mom-centered-wd", "rms-legacy", "rms-legacy-mom-centered",
        "rms-torch", "rms-torch-mom-centered-wd",
    ];

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var n in Names) data.Add(n);
        return data;
    }

    public static Optimizer<T> Create<T>(string name, ParameterSet<T> p) where T : unmanaged, IFloatingPointIeee754<T> => name switch
    {
        "sgd" => new Sgd<T>(p, 0.05),
        "sgd-momentum" => new Sgd<T>(p, 0.05, momentum: 0.9),
        "sgd-dampening" => new Sgd<T>(p, 0.05, momentum: 0.9, dampening: 0.3),
        "sgd-nesterov-wd" => new Sgd<T>(p, 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-2),
        "adam" => new Adam<T>(p, 1e-2),
        "adam-wd" => new Adam<T>(p, 1e-2, weightDecay: 1e-2),
        "adamw" => new AdamW<T>(p, 1e-2),
        "rms-keras" => new RmsProp<T>(p, 1e-2),
        "rms-keras-mom-centered-wd" => new RmsProp<T>(p, 1e-2, momentum: 0.5, centered: true, weightDecay: 1e-2),
        "rms-legacy" => new RmsProp<T>(p, 1e-2, centered: true, semantics: RmsPropSemantics.TfKerasLegacy),
        "rms-legacy-mom-centered" => new RmsProp<T>(p, 1e-2, momentum: 0.5, centered: true, semantics: RmsPropSemantics.TfKerasLegacy),
        "rms-torch" => new RmsProp<T>(p, 1e-2, semantics: RmsPropSemantics.PyTorch),
        "rms-torch-mom-centered-wd" => new RmsProp<T>(p, 1e-2, momentum: 0.5, centered: true, weightDecay: 1e-2, semantics: RmsPropSemantics.PyTorch),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    /// <summary>Three parameters of odd sizes (so every vector tail path runs), alternating DecayWeights, seeded values.</summary>
    public static ParameterSet<T> Model<T>(int seed = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var set = new ParameterSet<T>(
        [
            new Parameter<T>("conv.weight", 37),
            new Parameter<T>("conv.bias", 64) { DecayWeights = false },
            new Parameter<T>("fc.weight", 6 * 16 + 7),
        ]);
        var rng = new Random(seed);
        for (int i = 0; i < set.Count; i++) set.Values[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return set;
    }

    /// <summary>Deterministic gradients for step <paramref name="step"/>, some exactly zero.</summary>
    public static void FillGrads<T>(ParameterSet<T> set, long step) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(1000 + (int)step);
        for (int i = 0; i < set.Count; i++)
            set.Grads[i] = i % 11 == 0 ? T.Zero : T.CreateChecked(rng.NextDouble() - 0.5 + 0.1 * double.Sin(i));
    }
}
