using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Mnist.Engine.Data;
using Mnist.Engine.Layers;
using Mnist.Engine.Networks;
using Mnist.Engine.Optim;
using Mnist.Engine.IO;

namespace Mnist.Engine.Training;

/// <summary>
/// The engine's own model and resume file: everything a training run needs to continue bit-identically,
/// or an inference model when saved without optimizer state.
/// </summary>
/// <remarks>
/// <para>Layout (all integers little-endian):</para>
/// <code>
/// magic      8 bytes  "MNISTCK" 0x1A
/// version    uint32   (1)
/// json size  uint32
/// json       UTF-8    CheckpointHeader: training state, step count, RNG states, array table (name, kind, shape)
/// arrays     float32  each array of the table in order, little-endian, no padding
/// sha256     32 bytes over everything before it
/// </code>
/// <para>Arrays: every model parameter (<c>conv1.weight</c> …, kind <c>parameter</c>), the running statistics of
/// every <see cref="BatchNorm{T}"/> layer (<c>bn1.running_mean</c>, <c>bn1.running_var</c>, kind <c>buffer</c>) and,
/// in a resume checkpoint, every optimizer state buffer (<c>exp_avg</c> …, kind <c>optimizer</c>) and the weight average
/// when the recipe keeps one (<c>average.parameters</c> …, kind <c>average</c>). Dropout mask
/// generators are saved as 4-word states under their layer names.</para>
/// <para><see cref="Save(string)"/> writes atomically: a temporary file beside the target, flushed to disk, then
/// renamed over it; a reader sees the old file or the complete new one, never a truncated one.</para>
/// </remarks>
public sealed class Checkpoint
{
    /// <summary>The <c>format</c> value of the JSON header.</summary>
    public const string FormatName = "mnist-cs checkpoint";

    /// <summary>The format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int HashBytes = 32;
    private const int MaxHeaderBytes = 64 << 20;

    /// <summary>The 8 bytes every checkpoint starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "MNISTCK\x1A"u8;

    private Checkpoint(
        TrainingState state, long stepCount, DateTimeOffset savedUtc,
        List<(CheckpointArray Entry, float[] Data)> arrays, Dictionary<string, ulong[]> randomStates)
    {
        State = state;
        StepCount = stepCount;
        SavedUtc = savedUtc;
        Arrays = arrays;
        RandomStates = randomStates;
    }

    /// <summary>Training state: architecture, recipe, seed, progress and metrics history.</summary>
    public TrainingState State { get; }

    /// <summary>Optimizer steps taken.</summary>
    public long StepCount { get; }

    /// <summary>When the checkpoint was captured.</summary>
    public DateTimeOffset SavedUtc { get; }

    /// <summary>Whether optimizer state is included (a resume checkpoint) or not (a model file).</summary>
    public bool HasOptimizerState => Arrays.Exists(a => a.Entry.Kind == KindOptimizer);

    /// <summary>Parameter values by name, in model order.</summary>
    public IReadOnlyDictionary<string, float[]> Parameters => Select(KindParameter);

    /// <summary>Non-trained buffers (BatchNorm running statistics) by name.</summary>
    public IReadOnlyDictionary<string, float[]> Buffers => Select(KindBuffer);

    /// <summary>Optimizer state buffers by name (empty in a model file).</summary>
    public IReadOnlyDictionary<string, float[]> OptimizerState => Select(KindOptimizer);

    /// <summary>Random generator states by layer name (dropout masks).</summary>
    public IReadOnlyDictionary<string, ulong[]> RandomStates { get; }

    /// <summary>The running weight average (<see cref="WeightAverage.Export"/>) of a resume checkpoint, when the recipe keeps one.</summary>
    public IReadOnlyDictionary<string, float[]> Averages => Select(KindAverage);

    private const string KindParameter = "parameter", KindBuffer = "buffer", KindOptimizer = "optimizer", KindAverage = "average";

    private List<(CheckpointArray Entry, float[] Data)> Arrays { get; }

    /// <summary>
    /// Copies the state of <paramref name="model"/> (parameters, BatchNorm running statistics, dropout generators) and,
    /// when given, of <paramref name="optimizer"/> (state buffers, step count) into a new checkpoint.
    /// </summary>
    public static Checkpoint Capture(Sequential<float> model, Optimizer<float>? optimizer, TrainingState state) =>
        Capture(model, optimizer, state, null);

    /// <summary>As <see cref="Capture(Sequential{float}, Optimizer{float}?, TrainingState)"/>, with the run's weight average (resume checkpoints).</summary>
    public static Checkpoint Capture(Sequential<float> model, Optimizer<float>? optimizer, TrainingState state, WeightAverage? average)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        var arrays = new List<(CheckpointArray, float[])>();
        foreach (var p in model.Parameters.Parameters)
            arrays.Add((new CheckpointArray { Name = p.Name, Kind = KindParameter, Shape = (int[])p.Shape.Clone() }, p.Value.ToArray()));
        foreach (var bn in model.UnfusedLayers.OfType<BatchNorm<float>>())
        {
            arrays.Add((new CheckpointArray { Name = bn.Name + ".running_mean", Kind = KindBuffer, Shape = [bn.Channels] }, (float[])bn.RunningMean.Clone()));
            arrays.Add((new CheckpointArray { Name = bn.Name + ".running_var", Kind = KindBuffer, Shape = [bn.Channels] }, (float[])bn.RunningVar.Clone()));
        }
        var random = new Dictionary<string, ulong[]>(StringComparer.Ordinal);
        foreach (var d in model.UnfusedLayers.OfType<Dropout<float>>()) random[d.Name] = d.Random.ExportState();
        long steps = 0;
        if (optimizer is not null)
        {
            if (!ReferenceEquals(optimizer.Parameters, model.Parameters))
                throw new ArgumentException("The optimizer does not update this model's parameters.", nameof(optimizer));
            foreach (var (name, buffer) in optimizer.State.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                arrays.Add((new CheckpointArray { Name = name, Kind = KindOptimizer, Shape = [buffer.Length] }, (float[])buffer.Clone()));
            steps = optimizer.StepCount;
        }
        if (average is not null)
            foreach (var (name, data) in average.Export())
                arrays.Add((new CheckpointArray { Name = name, Kind = KindAverage, Shape = [data.Length] }, data));
        return new Checkpoint(state, steps, DateTimeOffset.UtcNow, arrays, random);
    }

    /// <summary>Builds the architecture named in <see cref="State"/> and loads the weights into it.</summary>
    /// <exception cref="ArgumentException">Unknown architecture.</exception>
    /// <exception cref="InvalidDataException">The arrays do not fit the architecture.</exception>
    public Sequential<float> CreateModel()
    {
        var model = Architectures.Create<float>(State.Architecture, State.Seed);
        Restore(model);
        model.Training = false;
        return model;
    }

    /// <summary>Loads parameters, BatchNorm running statistics and dropout generator states into <paramref name="model"/>.</summary>
    /// <exception cref="InvalidDataException">A name, shape or count differs from the model's.</exception>
    public void Restore(Sequential<float> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = Arrays.Where(a => a.Entry.Kind == KindParameter).ToList();
        var modelParameters = model.Parameters.Parameters;
        if (parameters.Count != modelParameters.Count)
            throw Mismatch($"{parameters.Count} parameter tensors, the model has {modelParameters.Count}");
        for (int i = 0; i < parameters.Count; i++)
        {
            var (entry, data) = parameters[i];
            var p = modelParameters[i];
            if (entry.Name != p.Name || !entry.Shape.AsSpan().SequenceEqual(p.Shape))
                throw Mismatch($"parameter {i} is {entry.Name} [{string.Join(',', entry.Shape)}], the model's is {p.Name} [{string.Join(',', p.Shape)}]");
        }
        var buffers = Select(KindBuffer);
        var norms = model.UnfusedLayers.OfType<BatchNorm<float>>().ToList();
        if (buffers.Count != 2 * norms.Count)
            throw Mismatch($"{buffers.Count} buffers, the model has {2 * norms.Count} BatchNorm statistics");
        foreach (var bn in norms)
        {
            if (!buffers.TryGetValue(bn.Name + ".running_mean", out var mean) || !buffers.TryGetValue(bn.Name + ".running_var", out var variance)
                || mean.Length != bn.Channels || variance.Length != bn.Channels)
                throw Mismatch($"missing or mis-sized running statistics for {bn.Name}");
        }
        var dropouts = model.UnfusedLayers.OfType<Dropout<float>>().ToList();
        foreach (var d in dropouts)
            if (!RandomStates.ContainsKey(d.Name)) throw Mismatch($"no generator state for dropout layer {d.Name}");

        for (int i = 0; i < parameters.Count; i++) parameters[i].Data.CopyTo(modelParameters[i].Value.Span);
        foreach (var bn in norms)
        {
            buffers[bn.Name + ".running_mean"].CopyTo(bn.RunningMean, 0);
            buffers[bn.Name + ".running_var"].CopyTo(bn.RunningVar, 0);
        }
        foreach (var d in dropouts) d.Random.RestoreState(RandomStates[d.Name]);
    }

    /// <summary>Loads state buffers and step count into <paramref name="optimizer"/> (its parameters are restored by <see cref="Restore(Sequential{float})"/>).</summary>
    /// <exception cref="InvalidOperationException">This checkpoint has no optimizer state.</exception>
    /// <exception cref="InvalidDataException">The buffers differ from the optimizer's (another optimizer type or model).</exception>
    public void Restore(Optimizer<float> optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!HasOptimizerState && optimizer.State.Count > 0)
            throw new InvalidOperationException("This checkpoint holds no optimizer state (it is a model file, not a resume checkpoint).");
        try
        {
            optimizer.LoadState(Select(KindOptimizer), StepCount);
        }
        catch (ArgumentException e)
        {
            throw Mismatch(e.Message);
        }
    }

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically (temporary file, flush to disk, rename).</summary>
    public void Save(string path) => Save(path, null);

    /// <summary>As <see cref="Save(string)"/>; <paramref name="wrap"/> lets tests put a failing stream between the writer and the file.</summary>
    internal void Save(string path, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream =>
        {
            var target = wrap?.Invoke(stream) ?? stream;
            WriteTo(target);
            target.Flush();
        });
    }

    /// <summary>Writes the checkpoint format to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new CheckpointHeader
        {
            SavedUtc = SavedUtc.ToString("O", CultureInfo.InvariantCulture),
            State = State,
            StepCount = StepCount,
            RandomStates = new Dictionary<string, ulong[]>(RandomStates, StringComparer.Ordinal),
            Arrays = Arrays.Select(a => a.Entry).ToList(),
        };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, CheckpointJsonContext.Default.CheckpointHeader);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Put(ReadOnlySpan<byte> bytes)
        {
            hash.AppendData(bytes);
            stream.Write(bytes);
        }
        Span<byte> word = stackalloc byte[4];
        Put(Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(word, FormatVersion);
        Put(word);
        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)json.Length);
        Put(word);
        Put(json);
        var chunk = new byte[1 << 16];
        foreach (var (_, data) in Arrays)
        {
            for (int start = 0; start < data.Length; start += chunk.Length / 4)
            {
                int n = Math.Min(chunk.Length / 4, data.Length - start);
                var src = data.AsSpan(start, n);
                var dst = chunk.AsSpan(0, n * 4);
                if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(src).CopyTo(dst);
                else for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(i * 4)..], src[i]);
                Put(dst);
            }
        }
        stream.Write(hash.GetHashAndReset());
    }

    /// <summary>Reads a checkpoint file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a checkpoint, another version, truncated or corrupted; the message names the file.</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a checkpoint from <paramref name="stream"/> (to its end).</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, another version, truncated or corrupted.</exception>
    public static Checkpoint ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Parse(ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    private static Checkpoint Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("not an mnist-cs checkpoint (bad magic).");
        if (bytes.Length < Magic.Length + 8 + HashBytes)
            throw new InvalidDataException("truncated checkpoint.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != FormatVersion)
            throw new InvalidDataException($"checkpoint format version {version}; this build reads version {FormatVersion}.");
        var body = bytes[..^HashBytes];
        Span<byte> digest = stackalloc byte[HashBytes];
        SHA256.HashData(body, digest);
        if (!digest.SequenceEqual(bytes[^HashBytes..]))
            throw new InvalidDataException("checksum mismatch: the checkpoint is truncated or corrupted.");
        uint jsonLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
        int offset = 16;
        if (jsonLength > MaxHeaderBytes || offset + jsonLength > body.Length)
            throw new InvalidDataException("header length out of range.");
        CheckpointHeader? header;
        try
        {
            header = JsonSerializer.Deserialize(body.Slice(offset, (int)jsonLength), CheckpointJsonContext.Default.CheckpointHeader);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"bad header JSON: {e.Message}", e);
        }
        if (header?.State is null || header.Format != FormatName || header.Arrays is null || header.RandomStates is null)
            throw new InvalidDataException("header is not an mnist-cs checkpoint header.");
        offset += (int)jsonLength;
        var arrays = new List<(CheckpointArray, float[])>(header.Arrays.Count);
        foreach (var entry in header.Arrays)
        {
            if (entry?.Name is null || entry.Shape is null) throw new InvalidDataException("an array entry has no name or shape.");
            // The shape is the file's word: bound the product by the bytes that are really left after every factor,
            // so no product can wrap around (65536^4 = 0 in 64 bits) and nothing is allocated for data that is not there.
            long count = 1, available = (body.Length - offset) / 4;
            foreach (int d in entry.Shape)
            {
                if (d < 0) throw new InvalidDataException($"array {entry.Name} has a negative dimension.");
                count *= d;
                if (count > available) throw new InvalidDataException($"array {entry.Name} [{string.Join(',', entry.Shape)}] runs past the end of the file.");
            }
            var data = new float[count];
            var src = body.Slice(offset, (int)count * 4);
            if (BitConverter.IsLittleEndian) src.CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
            else for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]);
            offset += (int)count * 4;
            arrays.Add((entry, data));
        }
        if (offset != body.Length) throw new InvalidDataException($"{body.Length - offset} unexpected bytes after the arrays.");
        var saved = ParseSaved(header.SavedUtc);
        return new Checkpoint(header.State, header.StepCount, saved, arrays, new Dictionary<string, ulong[]>(header.RandomStates, StringComparer.Ordinal));
    }

    // The time stamp is informational. TryParse still throws ArgumentOutOfRangeException for a text whose offset moves
    // it outside DateTimeOffset's range (e.g. "0001-01-01T00:00:00+14:00"); such a stamp is simply unknown.
    private static DateTimeOffset ParseSaved(string? text)
    {
        try
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MinValue;
        }
        catch (ArgumentOutOfRangeException)
        {
            return DateTimeOffset.MinValue;
        }
    }

    private Dictionary<string, float[]> Select(string kind)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (entry, data) in Arrays)
            if (entry.Kind == kind) result[entry.Name] = data;
        return result;
    }

    private InvalidDataException Mismatch(string what) =>
        new($"Checkpoint of '{State.Architecture}' does not fit: {what}.");
}
