using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Optim;

/// <summary>
/// Base of all optimizers: owns the step counter, the learning rate and the named state buffers, and walks
/// the pooled <see cref="ParameterSet{T}"/> so that each optimizer only writes one elementwise
/// <see cref="Update"/>. Hyper-parameters are validated in constructors.
/// </summary>
/// <remarks>
/// Typical loop: <c>opt.ZeroGrad(); loss.Backward(); opt.LearningRate = schedule.LearningRateAt(opt.StepCount); opt.Step();</c>.
/// <para>Every state buffer has one element per scalar of <see cref="Parameters"/> (same layout as
/// <see cref="ParameterSet{T}.Values"/>), so a checkpoint is the values, <see cref="State"/> and
/// <see cref="StepCount"/>; restoring them with <see cref="LoadState"/> continues bit-identically.</para>
/// <para>Float updates use <see cref="Vector{T}"/> when hardware-accelerated, with a scalar tail. The
/// vector and scalar paths perform the same IEEE operations in the same order (no fused multiply-add),
/// so they give bit-identical results.</para>
/// </remarks>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, T[]> _state = new(StringComparer.Ordinal);
    private double _learningRate;

    /// <summary>Creates an optimizer over <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> or <paramref name="weightDecay"/> is negative or not finite.</exception>
    protected Optimizer(ParameterSet<T> parameters, double learningRate, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        _learningRate = HyperParameter.NonNegative(learningRate, nameof(learningRate));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>The parameters this optimizer updates.</summary>
    public ParameterSet<T> Parameters { get; }

    /// <summary>Current learning rate; a schedule sets it before each <see cref="Step"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = HyperParameter.NonNegative(value, nameof(value));
    }

    /// <summary>Weight-decay coefficient (its meaning, L2 or decoupled, is the optimizer's). Applies only to
    /// parameters with <see cref="Parameter{T}.DecayWeights"/> set.</summary>
    public double WeightDecay { get; }

    /// <summary>Number of completed steps. During <see cref="Update"/> it already counts the step being taken (1 on the first).</summary>
    public long StepCount { get; private set; }

    /// <summary>Named state buffers (e.g. "exp_avg"), each of <see cref="ParameterSet{T}.Count"/> elements. These are the
    /// live arrays: copy them to checkpoint.</summary>
    public IReadOnlyDictionary<string, T[]> State => _state;

    /// <summary>Whether updates use <see cref="Vector{T}"/> (tests turn it off to compare with the scalar path).</summary>
    internal bool Vectorize { get; set; } = Vector.IsHardwareAccelerated;

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad() => Parameters.ZeroGrad();

    /// <summary>
    /// Takes one step: increments <see cref="StepCount"/>, then calls <see cref="Update"/> once per maximal run of
    /// consecutive parameters that share <see cref="Parameter{T}.DecayWeights"/> (once over everything when
    /// <see cref="WeightDecay"/> is 0).
    /// </summary>
    public void Step()
    {
        StepCount++;
        if (WeightDecay == 0)
        {
            UpdateSplit(0, Parameters.Count, decay: false);
            return;
        }

        int runStart = 0, offset = 0;
        bool runDecay = false;
        foreach (var p in Parameters.Parameters)
        {
            if (p.Length == 0) continue;
            if (offset > runStart && p.DecayWeights != runDecay)
            {
                UpdateSplit(runStart, offset - runStart, runDecay);
                runStart = offset;
            }
            runDecay = p.DecayWeights;
            offset += p.Length;
        }
        if (offset > runStart) UpdateSplit(runStart, offset - runStart, runDecay);
    }

    // Below this many scalars per thread the hand-off costs more than the update.
    private const int MinScalarsPerChunk = 64 * 1024;

    // Update over threads in contiguous pieces (multiples of 64 scalars, so each piece's vector part stays aligned to
    // the whole range's). Updates are element-wise and the vector and scalar paths round alike, so any split gives the
    // same bits.
    private void UpdateSplit(int start, int length, bool decay)
    {
        int blocks = (length + 63) / 64;
        Kernels.Common.Parallelism.ForChunks(blocks, (_, b0, b1) =>
        {
            int s0 = start + b0 * 64, s1 = Math.Min(start + length, start + b1 * 64);
            Update(s0, s1 - s0, decay);
        }, minItemsPerChunk: MinScalarsPerChunk / 64);
    }

    /// <summary>
    /// Restores state saved from <see cref="State"/> and <see cref="StepCount"/> (the values are restored by the caller).
    /// The buffers are copied.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepCount"/> is negative.</exception>
    /// <exception cref="ArgumentException">The names or lengths of the buffers differ from this optimizer's.</exception>
    public void LoadState(IReadOnlyDictionary<string, T[]> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        if (state.Count != _state.Count)
            throw new ArgumentException($"Expected state buffers [{string.Join(", ", _state.Keys)}], got [{string.Join(", ", state.Keys)}].", nameof(state));
        foreach (var (name, buffer) in _state)
        {
            if (!state.TryGetValue(name, out var saved) || saved is null)
                throw new ArgumentException($"State buffer '{name}' is missing.", nameof(state));
            if (saved.Length != buffer.Length)
                throw new ArgumentException($"State buffer '{name}' has {saved.Length} elements; expected {buffer.Length}.", nameof(state));
        }
        foreach (var (name, buffer) in _state) state[name].CopyTo(buffer, 0);
        StepCount = stepCount;
    }

    /// <summary>
    /// Updates the parameter scalars [<paramref name="start"/>, <paramref name="start"/>+<paramref name="length"/>) of
    /// <see cref="ParameterSet{T}.Values"/> from the same range of <see cref="ParameterSet{T}.Grads"/> and of the state
    /// buffers. <paramref name="decay"/> tells whether weight decay applies to this range.
    /// </summary>
    protected abstract void Update(int start, int length, bool decay);

    /// <summary>Allocates a zeroed state buffer named <paramref name="name"/> (call from the constructor).</summary>
    protected T[] AddState(string name)
    {
        var buffer = new T[Parameters.Count];
        _state.Add(name, buffer);
        return buffer;
    }

    /// <summary>How many leading elements of a range of <paramref name="length"/> the vector path handles (a multiple of
    /// <see cref="Vector{T}.Count"/>, or 0 when not vectorizing); the scalar loop does the rest.</summary>
    protected int VectorizedLength(int length) => Vectorize ? length - length % Vector<T>.Count : 0;

    /// <summary>Converts a double hyper-parameter to <typeparamref name="T"/> (rounding to nearest).</summary>
    protected static T Scalar(double value) => T.CreateChecked(value);
}
