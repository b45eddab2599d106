using System.Security.Cryptography;
using Mnist.Engine.Formats;
using Mnist.Engine.Kernels;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>One teacher of a distillation run: its network (inference mode, logits out) and the file it came from.</summary>
/// <param name="File">File name (never a path), as recorded in checkpoints and model cards.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
/// <param name="Model">The network; its output is logits [N,classes].</param>
public sealed record Teacher(string File, string Sha256, Sequential<float> Model);

/// <summary>
/// The teachers of a distillation run, whose soft targets are the mean of their softmax at a temperature
/// (<see cref="SoftTargets"/>), computed by the managed engine in inference mode on the very batch the student sees.
/// </summary>
public sealed class TeacherEnsemble
{
    private readonly Teacher[] _teachers;
    private float[] _scaled = [];

    /// <summary>An ensemble of <paramref name="teachers"/>, which must share input and output shapes.</summary>
    /// <exception cref="ArgumentException">No teacher, or teachers of different shapes.</exception>
    public TeacherEnsemble(IReadOnlyList<Teacher> teachers)
    {
        ArgumentNullException.ThrowIfNull(teachers);
        if (teachers.Count == 0) throw new ArgumentException("Distillation needs at least one teacher.", nameof(teachers));
        var first = teachers[0].Model;
        foreach (var t in teachers)
        {
            if (!t.Model.InputItemShape.AsSpan().SequenceEqual(first.InputItemShape) || !t.Model.OutputItemShape.AsSpan().SequenceEqual(first.OutputItemShape))
                throw new ArgumentException($"Teacher {t.File} maps [{string.Join(',', t.Model.InputItemShape)}] to [{string.Join(',', t.Model.OutputItemShape)}]; " +
                    $"{teachers[0].File} maps [{string.Join(',', first.InputItemShape)}] to [{string.Join(',', first.OutputItemShape)}].", nameof(teachers));
        }
        _teachers = [.. teachers];
        Classes = first.OutputItemShape[^1];
    }

    /// <summary>Reads ONNX teachers (<see cref="OnnxImporter"/>; a file's final Softmax is dropped, so each gives logits).</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a model the engine can run.</exception>
    /// <exception cref="ArgumentException">No path, or teachers of different shapes.</exception>
    public static TeacherEnsemble Load(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var teachers = new List<Teacher>();
        foreach (string path in paths)
        {
            if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"Teacher model not found: {path}", path);
            byte[] bytes = System.IO.File.ReadAllBytes(path);
            ImportedModel imported;
            try
            {
                imported = OnnxImporter.Load(bytes);
            }
            catch (NotSupportedException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
            teachers.Add(new Teacher(Path.GetFileName(path), Convert.ToHexStringLower(SHA256.HashData(bytes)), imported.Model));
        }
        return new TeacherEnsemble(teachers);
    }

    /// <summary>The teachers, in the order given.</summary>
    public IReadOnlyList<Teacher> Teachers => _teachers;

    /// <summary>Number of classes of the teachers' output.</summary>
    public int Classes { get; }

    /// <summary>
    /// destination[r,c] = (1/M) Σ_m softmax(z_m[r,:]/τ)[c] for the M teachers' logits z_m on <paramref name="x"/>
    /// [N, input item shape], each teacher in inference mode (batch-norm running statistics, no dropout).
    /// </summary>
    /// <exception cref="ArgumentException">destination is not N·classes long, or τ is not positive.</exception>
    public void SoftTargets(Tensor<float> x, double temperature, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!(temperature > 0 && double.IsFinite(temperature)))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a positive number.");
        int n = x.Dim(0);
        if (destination.Length != n * Classes)
            throw new ArgumentException($"destination holds {destination.Length} values; [{n},{Classes}] needs {n * Classes}.", nameof(destination));
        if (_scaled.Length < n * Classes) _scaled = new float[n * Classes];
        var scaled = _scaled.AsSpan(0, n * Classes);
        destination.Clear();
        float invTemperature = (float)(1 / temperature), share = 1f / _teachers.Length;
        foreach (var t in _teachers)
        {
            t.Model.Training = false;
            var logits = t.Model.Forward(x).Span;
            for (int i = 0; i < scaled.Length; i++) scaled[i] = logits[i] * invTemperature;
            Softmax.SoftmaxRows<float>(scaled, scaled, n, Classes);
            for (int i = 0; i < scaled.Length; i++) destination[i] += scaled[i] * share;
        }
    }
}
