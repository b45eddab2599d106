using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mnist.Engine.Layers;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.IO;

namespace Mnist.Engine.Formats;

/// <summary>
/// What a model file says about itself: how it was trained, on what, how well it does, and what it costs.
/// Written as <c>models/mnist.json</c> (snake_case JSON) and into ONNX <c>metadata_props</c> under the same
/// snake_case keys, so ONNX Runtime users can read it with <c>ModelMetadata.CustomMetadataMap</c>.
/// </summary>
/// <param name="Architecture">Architecture name, e.g. <c>lenet</c>.</param>
/// <param name="Dataset">Training data, e.g. <c>mnist</c>.</param>
/// <param name="TestAccuracy">Accuracy on the dataset's test split in [0,1], or null when not measured (e.g. random weights).</param>
/// <param name="TrainingSeconds">Cumulative training wall time in seconds, or null.</param>
/// <param name="PreprocessingVersion">The <see cref="DigitPreprocessor.Version"/> the model expects its input prepared with.</param>
/// <param name="Producer">Producing tool: <see cref="ProducerName"/> for this project.</param>
/// <param name="ProducerVersion">Producing tool's version.</param>
/// <param name="Parameters">Trainable scalars.</param>
/// <param name="FlopsPerDigit">Floating-point operations for one 28×28 digit (2 × multiply-accumulates of convolutions and fully connected layers; see <see cref="ModelStatistics"/>).</param>
/// <param name="Seed">Random seed of the training run, or null.</param>
/// <param name="CommandLine">The command that produced the model, or null.</param>
/// <param name="Machine">Where it was produced (CPU, cores, OS, runtime), or null.</param>
/// <param name="CreatedUtc">When the file was produced.</param>
/// <param name="Quantization">Null for a float model; for a quantized one, how (e.g. <c>int8</c> and its scheme and calibration).</param>
/// <param name="QuantizedFrom">For a quantized model, the float model it was derived from (file name and SHA-256); else null.</param>
/// <param name="TrainingData">Training data besides <paramref name="Dataset"/>, e.g. the drawn digits mixed in (file name,
/// writers and protocol); null when none.</param>
/// <param name="UnseenWriters">Accuracy on drawn digits of writers the model never saw, measured on leave-writers-out
/// folds (models trained by the same command without those writers), with the protocol, in one line; null when not
/// measured (<c>mnist export --unseen-writers</c> records it). Omitted from the JSON when null.</param>
public sealed record ModelCard(
    string Architecture,
    string Dataset,
    double? TestAccuracy,
    double? TrainingSeconds,
    int PreprocessingVersion,
    string Producer,
    string ProducerVersion,
    long Parameters,
    long FlopsPerDigit,
    ulong? Seed,
    string? CommandLine,
    string? Machine,
    DateTimeOffset CreatedUtc,
    string? Quantization = null,
    string? QuantizedFrom = null,
    string? TrainingData = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UnseenWriters = null)
{
    /// <summary>The producer name this project writes.</summary>
    public const string ProducerName = "mnist-cs";

    /// <summary>The engine's version (major.minor.patch).</summary>
    public static string EngineVersion { get; } = typeof(ModelCard).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    // metadata_props keys (also the JSON property names).
    internal const string KeyArchitecture = "architecture", KeyDataset = "dataset", KeyTestAccuracy = "test_accuracy",
        KeyTrainingSeconds = "training_seconds", KeyPreprocessingVersion = "preprocessing_version", KeyProducer = "producer",
        KeyProducerVersion = "producer_version", KeyParameters = "parameters", KeyFlops = "flops_per_digit", KeySeed = "seed",
        KeyCommandLine = "command_line", KeyMachine = "machine", KeyCreated = "created_utc", KeyQuantization = "quantization",
        KeyQuantizedFrom = "quantized_from", KeyTrainingData = "training_data", KeyUnseenWriters = "unseen_writers";

    /// <summary>
    /// A card for <paramref name="model"/> with its parameter and FLOP counts computed, this project as producer,
    /// the current preprocessing version, this machine and the current time.
    /// </summary>
    public static ModelCard Create(Sequential<float> model, string architecture, string dataset = "mnist",
        double? testAccuracy = null, double? trainingSeconds = null, ulong? seed = null, string? commandLine = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stats = ModelStatistics.Compute(model);
        long now = DateTime.UtcNow.Ticks;
        return new ModelCard(architecture, dataset, testAccuracy, trainingSeconds, DigitPreprocessor.Version, ProducerName,
            EngineVersion, stats.Parameters, stats.FlopsPerItem, seed, commandLine, DescribeMachine(),
            new DateTimeOffset(now - now % TimeSpan.TicksPerSecond, TimeSpan.Zero)); // whole seconds: the metadata round-trips exactly
    }

    /// <summary>One line describing this machine: CPU model (Linux), logical cores, OS, architecture and .NET version.</summary>
    public static string DescribeMachine()
    {
        string cpu = "";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?
                    .Split(':', 2)[1].Trim() ?? "";
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string cores = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} logical cores");
        return string.Join(", ", new[] { cpu, cores, RuntimeInformation.OSDescription, RuntimeInformation.OSArchitecture.ToString(), RuntimeInformation.FrameworkDescription }
            .Where(s => s.Length > 0));
    }

    /// <summary>Serializes to indented snake_case JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ModelCardJsonContext.Default.ModelCard);

    /// <summary>Parses snake_case JSON written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">Malformed JSON or a missing required field.</exception>
    public static ModelCard FromJson(string json) =>
        JsonSerializer.Deserialize(json, ModelCardJsonContext.Default.ModelCard) ?? throw new JsonException("The model card is null.");

    /// <summary>Writes the JSON card to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(ToJson() + "\n"));

    /// <summary>Reads a JSON card.</summary>
    public static ModelCard Load(string path) => FromJson(File.ReadAllText(path));

    /// <summary>The card as ONNX <c>metadata_props</c> entries (invariant culture; absent optional values are omitted).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToMetadata()
    {
        var list = new List<KeyValuePair<string, string>>();
        void Add(string key, string? value)
        {
            if (value is not null) list.Add(new(key, value));
        }

        var c = CultureInfo.InvariantCulture;
        Add(KeyArchitecture, Architecture);
        Add(KeyDataset, Dataset);
        Add(KeyTestAccuracy, TestAccuracy?.ToString("R", c));
        Add(KeyTrainingSeconds, TrainingSeconds?.ToString("R", c));
        Add(KeyPreprocessingVersion, PreprocessingVersion.ToString(c));
        Add(KeyProducer, Producer);
        Add(KeyProducerVersion, ProducerVersion);
        Add(KeyParameters, Parameters.ToString(c));
        Add(KeyFlops, FlopsPerDigit.ToString(c));
        Add(KeySeed, Seed?.ToString(c));
        Add(KeyCommandLine, CommandLine);
        Add(KeyMachine, Machine);
        Add(KeyCreated, CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", c));
        Add(KeyQuantization, Quantization);
        Add(KeyQuantizedFrom, QuantizedFrom);
        Add(KeyTrainingData, TrainingData);
        Add(KeyUnseenWriters, UnseenWriters);
        return list;
    }

    /// <summary>
    /// Reads a card from ONNX <c>metadata_props</c>; null when the entries carry no <c>architecture</c>
    /// (a file this project did not write). Missing numeric fields read as 0/null; unparsable ones throw.
    /// </summary>
    /// <exception cref="FormatException">A numeric or date field does not parse.</exception>
    public static ModelCard? FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(KeyArchitecture, out string? architecture)) return null;
        var c = CultureInfo.InvariantCulture;
        string? Get(string key) => metadata.TryGetValue(key, out string? v) ? v : null;
        // The card is free text in the file (another exporter may write "n/a"): a value that does not parse is
        // absent, never a FormatException that makes a runnable model unloadable.
        double? D(string key) => double.TryParse(Get(key), NumberStyles.Float, c, out double v) ? v : null;
        long L(string key) => long.TryParse(Get(key), NumberStyles.Integer, c, out long v) ? v : 0;
        return new ModelCard(
            architecture,
            Get(KeyDataset) ?? "",
            D(KeyTestAccuracy),
            D(KeyTrainingSeconds),
            (int)L(KeyPreprocessingVersion),
            Get(KeyProducer) ?? "",
            Get(KeyProducerVersion) ?? "",
            L(KeyParameters),
            L(KeyFlops),
            ulong.TryParse(Get(KeySeed), NumberStyles.Integer, c, out ulong seed) ? seed : null,
            Get(KeyCommandLine),
            Get(KeyMachine),
            DateTimeOffset.TryParse(Get(KeyCreated), c, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset created) ? created : default,
            Get(KeyQuantization),
            Get(KeyQuantizedFrom),
            Get(KeyTrainingData),
            Get(KeyUnseenWriters));
    }
}

/// <summary>Source-generated (trim- and AOT-safe) JSON metadata for <see cref="ModelCard"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ModelCard))]
internal sealed partial class ModelCardJsonContext : JsonSerializerContext;
