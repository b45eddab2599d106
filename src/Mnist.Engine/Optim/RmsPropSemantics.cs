namespace Mnist.Engine.Optim;

/// <summary>Which library's RMSprop update <see cref="RmsProp{T}"/> reproduces. They differ in where ε goes and in
/// what the momentum buffer holds; see <see cref="RmsProp{T}"/> for the formulas.</summary>
public enum RmsPropSemantics
{
    /// <summary>Keras 3 <c>keras.optimizers.RMSprop</c> (also tf.keras from TF 2.11 on): ε inside the square root,
    /// lr inside the momentum buffer, decoupled weight decay.</summary>
    Keras,

    /// <summary>tf.keras of TF 2.0–2.10 (OptimizerV2, later <c>tf.keras.optimizers.legacy.RMSprop</c>): with momentum 0,
    /// ε outside the square root; with momentum &gt; 0, TensorFlow's <c>ApplyRMSProp</c> kernel (ε inside). No weight decay.</summary>
    TfKerasLegacy,

    /// <summary>PyTorch <c>torch.optim.RMSprop</c> (alpha = ρ): ε outside the square root, lr outside the momentum
    /// buffer, L2 weight decay added to the gradient.</summary>
    PyTorch,
}
