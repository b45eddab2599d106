using System.Diagnostics;
using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Layers;
using Mnist.Engine.Networks;
using Mnist.Engine.Optim;
using Mnist.Engine.Preprocessing;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>
/// Runs a <see cref="TrainingRecipe"/> on a dataset: shuffled (and augmented) batches per epoch, the LR schedule
/// applied before each step, a test evaluation and an atomic checkpoint after each epoch, progress after each step,
/// and a clean stop on cancellation.
/// </summary>
/// <remarks>
/// <para>The loop, per epoch e: for each batch of <c>BatchLoader.Epoch(e)</c> (built one batch ahead on background
/// threads): <c>lr = schedule(step)</c>, <c>Trainer.Step</c>; then <see cref="Evaluation.Evaluate"/> on the test set,
/// then the checkpoint.</para>
/// <para>Determinism: batch order and augmentation depend only on (seed, epoch), weights and dropout on the seed, and
/// every kernel partitions work by thread count only. A run resumed from a checkpoint is therefore bit-identical to an
/// uninterrupted one on the same machine and thread count.</para>
/// <para>Cancellation: the token is checked before each step, so the current step always completes. The session then
/// writes a checkpoint at that batch (when <see cref="TrainingOptions.CheckpointPath"/> is set) and throws
/// <see cref="OperationCanceledException"/>; resuming from it continues at the next batch.</para>
/// </remarks>
public sealed class TrainingSession
{
    private readonly MnistDataset _train;
    private readonly int _datasetTrainCount;
    private readonly MnistDataset _test;
    private readonly Trainer _trainer;
    private readonly ILearningRateSchedule? _schedule;
    private readonly BatchLoader _loader;
    private readonly List<EpochMetrics> _history;
    private readonly int _resumedFrom;
    private int _batchesCompleted;
    private double _partialLossSum;
    private long _partialSamples;
    private double _trainSeconds;
    private byte[]? _minedDraws;
    private EvaluationResult? _lastEvaluation;
    private readonly WeightAverage? _average;
    private readonly Sequential<float>? _averaged;
    private readonly float[] _softTargets;

    private TrainingSession(TrainingRecipe recipe, MnistDataset train, MnistDataset test, TrainingOptions options, Sequential<float> model, int epochs)
    {
        Recipe = recipe;
        Options = options;
        _datasetTrainCount = train.Count;
        _train = options.Drawn?.AppendTo(train) ?? train;
        _train = options.NonDigits?.AppendTo(_train) ?? _train;
        _test = test;
        Model = model;
        Epochs = epochs;
        Optimizer = recipe.CreateOptimizer(model.Parameters);
        if (options.Distillation is { } teachers && (teachers.Teachers.Classes != model.OutputItemShape[^1]
            || !teachers.Teachers.Teachers[0].Model.InputItemShape.AsSpan().SequenceEqual(model.InputItemShape)))
            throw new ArgumentException($"The teachers map [{string.Join(',', teachers.Teachers.Teachers[0].Model.InputItemShape)}] to {teachers.Teachers.Classes} classes; " +
                $"the student maps [{string.Join(',', model.InputItemShape)}] to {model.OutputItemShape[^1]}.", nameof(options));
        _trainer = new Trainer(model, Optimizer, recipe.LabelSmoothing, options.Distillation is { } d
            ? new DistillationLoss<float>(d.Weight, d.Temperature, recipe.LabelSmoothing)
            : null);
        if (recipe.WeightAverageDecay is double decay)
        {
            _average = new WeightAverage(model, decay);
            _averaged = CreateModel(recipe.Architecture, options);
            _average.CopyTo(_averaged);
        }
        _loader = new BatchLoader(_train, new BatchLoaderOptions
        {
            BatchSize = recipe.BatchSize,
            Shuffle = true,
            DropLast = false,
            Seed = options.Seed,
            Augmentation = recipe.Augmentation,
            Threads = Math.Max(1, options.LoaderThreads),
            Prefetch = 1,
        });
        TotalSteps = (long)epochs * _loader.BatchesPerEpoch;
        _softTargets = options.Distillation is { } distillation ? new float[recipe.BatchSize * distillation.Teachers.Classes] : [];
        _schedule = recipe.CreateSchedule?.Invoke(TotalSteps);
        _history = [];
    }

    private TrainingSession(TrainingRecipe recipe, MnistDataset train, MnistDataset test, TrainingOptions options, Sequential<float> model, int epochs, Checkpoint checkpoint)
        : this(recipe, train, test, options, model, epochs)
    {
        checkpoint.Restore(Optimizer);
        if (_average is not null)
        {
            _average.Import(checkpoint.Averages);
            _average.CopyTo(_averaged!);
        }
        var s = checkpoint.State;
        _history.AddRange(s.History);
        EpochsCompleted = s.EpochsCompleted;
        _batchesCompleted = s.BatchesCompleted;
        _partialLossSum = s.PartialLossSum;
        _partialSamples = s.PartialSamples;
        _trainSeconds = s.TrainSeconds;
        _minedDraws = s.MinedDraws;
        _resumedFrom = s.EpochsCompleted;
    }

    /// <summary>A fresh run: the recipe's architecture with weights from <see cref="TrainingOptions.Seed"/>.</summary>
    /// <exception cref="ArgumentException">Unknown architecture, or fewer than one epoch.</exception>
    public static TrainingSession Start(TrainingRecipe recipe, MnistDataset train, MnistDataset test, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        options ??= new TrainingOptions();
        recipe = WithPhotos(recipe.ForDataset(options.Dataset), options.PhotoProbability);
        int epochs = options.Epochs ?? recipe.Epochs;
        if (epochs < 1) throw new ArgumentException("Train for at least one epoch.", nameof(options));
        return new TrainingSession(recipe, train, test, options, CreateModel(recipe.Architecture, options), epochs);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/>. The seed, dataset size and epoch count come from the
    /// checkpoint (a larger <see cref="TrainingOptions.Epochs"/> extends the run, which changes a step-dependent
    /// schedule and so is no longer identical to an uninterrupted run).
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint is of another recipe or training-set size, or has no optimizer state.</exception>
    public static TrainingSession Resume(TrainingRecipe recipe, Checkpoint checkpoint, MnistDataset train, MnistDataset test, TrainingOptions? options = null) =>
        Continue(recipe, checkpoint, train, test, options, branchSeed: null);

    /// <summary>
    /// A branch of the run saved in <paramref name="checkpoint"/> (at the end of an epoch): its weights, optimizer state,
    /// weight average and schedule, with <paramref name="seed"/> drawing the data (order, augmentation, renderings) of the
    /// remaining epochs. Branches of one run stay in one basin of the loss, so their weights can be averaged
    /// (<see cref="WeightSoup"/>). The branch's checkpoints record <see cref="TrainingState.Branch"/> and resume as any run.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Resume"/>; or the checkpoint was saved mid-epoch, or is itself of a branch.</exception>
    public static TrainingSession Branch(TrainingRecipe recipe, Checkpoint checkpoint, MnistDataset train, MnistDataset test, ulong seed, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.State.BatchesCompleted > 0)
            throw new ArgumentException($"A branch starts at the end of an epoch; the checkpoint was saved in epoch {checkpoint.State.EpochsCompleted + 1}, batch {checkpoint.State.BatchesCompleted}.", nameof(checkpoint));
        if (checkpoint.State.Branch is not null)
            throw new ArgumentException("The checkpoint is of a branch already; branch off the run it came from.", nameof(checkpoint));
        return Continue(recipe, checkpoint, train, test, options, seed);
    }

    private static TrainingSession Continue(TrainingRecipe recipe, Checkpoint checkpoint, MnistDataset train, MnistDataset test, TrainingOptions? options, ulong? branchSeed)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var s = checkpoint.State;
        recipe = recipe.ForDataset(s.Dataset);
        if (s.Recipe != recipe.Name || s.Architecture != recipe.Architecture)
            throw new ArgumentException($"The checkpoint is of recipe '{s.Recipe}' (architecture '{s.Architecture}'), not '{recipe.Name}'.", nameof(checkpoint));
        if (s.TrainCount != train.Count)
            throw new ArgumentException($"The checkpoint was trained on {s.TrainCount} samples per epoch; this training set has {train.Count}.", nameof(train));
        var drawn = options?.Drawn?.Describe();
        if (s.Drawn != drawn)
            throw new ArgumentException(s.Drawn is null
                ? "The checkpoint was trained without drawn digits; resume it without --drawn."
                : drawn is null
                    ? $"The checkpoint mixes in drawn digits ({s.Drawn.ToSummary()}); resume with --drawn {s.Drawn.File} (the same file) as well."
                    : $"The checkpoint mixes in drawn digits as: {s.Drawn.ToSummary()} (SHA-256 {s.Drawn.Sha256}); this run asks for: {drawn.ToSummary()} (SHA-256 {drawn.Sha256}).",
                nameof(options));
        var nonDigits = options?.NonDigits?.Describe();
        if (s.NonDigits != nonDigits)
            throw new ArgumentException(s.NonDigits is null
                ? "The checkpoint was trained without non-digits; resume it without them."
                : nonDigits is null
                    ? $"The checkpoint mixes in non-digits ({s.NonDigits.ToSummary()}); resume with the same non-digit options."
                    : $"The checkpoint mixes in non-digits as: {s.NonDigits.ToSummary()}; this run asks for: {nonDigits.ToSummary()}.",
                nameof(options));
        var distillation = options?.Distillation?.Describe();
        if (s.Distillation != distillation)
            throw new ArgumentException(s.Distillation is null
                ? "The checkpoint was trained without teachers; resume it without --teachers."
                : distillation is null
                    ? $"The checkpoint was {s.Distillation.ToSummary()}; resume with --teachers {string.Join(',', s.Distillation.Teachers.Select(t => t.File))} (the same files) as well."
                    : $"The checkpoint was {s.Distillation.ToSummary()}; this run asks for: {distillation.ToSummary()}.",
                nameof(options));
        if ((options?.PhotoProbability ?? s.PhotoProbability) != s.PhotoProbability)
            throw new ArgumentException($"The checkpoint sees {s.PhotoProbability:P0} of its samples as photos; this run asks for {options!.PhotoProbability:P0}.", nameof(options));
        recipe = WithPhotos(recipe, s.PhotoProbability);
        if (!checkpoint.HasOptimizerState)
            throw new ArgumentException("The checkpoint has no optimizer state (a model file); resume needs checkpoint.bin.", nameof(checkpoint));
        options = (options ?? new TrainingOptions()) with { Seed = branchSeed ?? s.Seed, Dataset = s.Dataset };
        int epochs = Math.Max(options.Epochs ?? s.Epochs, s.EpochsCompleted);
        var model = CreateModel(s.Architecture, options);
        checkpoint.Restore(model);
        return new TrainingSession(recipe, train, test, options, model, epochs, checkpoint)
        {
            BranchOf = branchSeed is null ? s.Branch : new BranchState(s.Seed, s.EpochsCompleted),
        };
    }

    /// <summary>Where this run branched off another, or null (<see cref="Branch"/>).</summary>
    public BranchState? BranchOf { get; private init; }

    private static TrainingRecipe WithPhotos(TrainingRecipe recipe, float? probability) =>
        probability is float p && p != recipe.Augmentation.PhotoProbability
            ? recipe with { Augmentation = recipe.Augmentation with { PhotoProbability = p } }
            : recipe;

    /// <summary>The recipe as it applies to the run's dataset (<see cref="TrainingRecipe.ForDataset"/>).</summary>
    public TrainingRecipe Recipe { get; }

    /// <summary>Run settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The network being trained.</summary>
    public Sequential<float> Model { get; }

    /// <summary>
    /// The model the run produces: the weight average when the recipe keeps one (updated at the end of each epoch), else
    /// <see cref="Model"/>. Evaluated after each epoch and saved as the run's model.
    /// </summary>
    public Sequential<float> FinalModel => _averaged ?? Model;

    /// <summary>The recipe's optimizer over <see cref="Model"/>'s parameters.</summary>
    public Optimizer<float> Optimizer { get; }

    /// <summary>Epochs of the whole run.</summary>
    public int Epochs { get; }

    /// <summary>Epochs fully done.</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>Training samples per epoch: the dataset's plus the drawn renderings and the non-digits.</summary>
    public int TrainCount => _train.Count;

    /// <summary>Optimizer steps per epoch.</summary>
    public int BatchesPerEpoch => _loader.BatchesPerEpoch;

    /// <summary>Optimizer steps of the whole run (what the LR schedule spans).</summary>
    public long TotalSteps { get; }

    /// <summary>Cumulative training time so far (optimizer steps only).</summary>
    public double TrainSeconds => _trainSeconds;

    /// <summary>Metrics of the completed epochs.</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>Called after every optimizer step, on the training thread (keep it cheap).</summary>
    public Action<TrainingProgress>? Progress { get; set; }

    /// <summary>Called after each epoch's evaluation and checkpoint, on the training thread.</summary>
    public Action<EpochMetrics>? EpochCompleted { get; set; }

    /// <summary>Trains the remaining epochs and evaluates the final model.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint was written first when configured.</exception>
    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        while (EpochsCompleted < Epochs)
            RunEpoch(cancellationToken);
        var final = _lastEvaluation ?? Evaluation.Evaluate(FinalModel, _test, Options.EvaluationBatchSize);
        return new TrainingResult(_history.ToArray(), final, _trainSeconds, wall.Elapsed.TotalSeconds, _resumedFrom);
    }

    /// <summary>
    /// The current state as a checkpoint: a resume checkpoint (the trained weights, optimizer state and weight average),
    /// or with <paramref name="includeOptimizer"/> false a model file of <see cref="FinalModel"/>.
    /// </summary>
    public Checkpoint CreateCheckpoint(bool includeOptimizer = true) =>
        includeOptimizer
            ? Checkpoint.Capture(Model, Optimizer, CaptureState(), _average)
            : Checkpoint.Capture(FinalModel, null, CaptureState());

    private TrainingState CaptureState() =>
        new()
        {
            Architecture = Recipe.Architecture,
            Recipe = Recipe.Name,
            Seed = Options.Seed,
            Dataset = Options.Dataset,
            TrainCount = _datasetTrainCount,
            Drawn = Options.Drawn?.Describe(),
            NonDigits = Options.NonDigits?.Describe(),
            Distillation = Options.Distillation?.Describe(),
            PhotoProbability = Recipe.Augmentation.PhotoProbability,
            Branch = BranchOf,
            TestCount = _test.Count,
            Epochs = Epochs,
            EpochsCompleted = EpochsCompleted,
            BatchesCompleted = _batchesCompleted,
            MinedDraws = _batchesCompleted > 0 ? _minedDraws : null,
            PartialLossSum = _partialLossSum,
            PartialSamples = _partialSamples,
            TrainSeconds = _trainSeconds,
            History = _history.ToArray(),
            WeightAverageDecay = Recipe.WeightAverageDecay,
        };

    private void RunEpoch(CancellationToken ct)
    {
        int epoch = EpochsCompleted + 1;
        int skip = _batchesCompleted;
        int batches = _loader.BatchesPerEpoch;
        var wall = Stopwatch.StartNew();
        double epochSeconds = 0;
        // Mining's forward passes are model work, counted as training time as the teachers' are.
        float[] TimedDigitScore(float[][] images)
        {
            long t0 = Stopwatch.GetTimestamp();
            var scores = DigitScore(images);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            epochSeconds += dt;
            _trainSeconds += dt;
            return scores;
        }
        long samplesThisRun = 0;
        int batchesThisRun = 0;
        // This epoch's renderings of the drawn digits, before its batches are built (the previous epoch's loader is done).
        Options.Drawn?.Render(_train, _datasetTrainCount, epoch - 1, Options.Seed, Math.Max(1, Options.LoaderThreads));
        // A run resumed mid-epoch renders the epoch's mined non-digits from the draws the checkpoint kept, not from its
        // later weights, so that it stays bit-identical to an uninterrupted run.
        _minedDraws = Options.NonDigits?.Render(_train, _datasetTrainCount + (Options.Drawn?.Count ?? 0), epoch - 1, Options.Seed,
            Math.Max(1, Options.LoaderThreads), TimedDigitScore, skip > 0 ? _minedDraws : null);
        try
        {
            foreach (var batch in _loader.Epoch(epoch - 1, ct))
            {
                if (batch.Number < skip) continue;
                ct.ThrowIfCancellationRequested();
                // The pooled batch's buffer is used in place when full; a last partial batch is copied to fit its shape.
                var x = batch.Count * batch.PixelsPerImage == batch.Images.Length
                    ? new Tensor<float>(batch.Images, batch.Count, 1, _train.Rows, _train.Cols)
                    : new Tensor<float>(batch.ImageSpan.ToArray(), batch.Count, 1, _train.Rows, _train.Cols);

                long t0 = Stopwatch.GetTimestamp();
                if (_schedule is not null) Optimizer.LearningRate = _schedule.LearningRateAt(Optimizer.StepCount);
                double loss;
                if (Options.Distillation is { } distill)
                {
                    // The teachers see the very (augmented) batch the student sees; their forward passes count as training time.
                    var soft = _softTargets.AsSpan(0, batch.Count * distill.Teachers.Classes);
                    distill.Teachers.SoftTargets(x, distill.Temperature, soft);
                    loss = _trainer.Step(x, batch.LabelSpan, soft);
                }
                else
                {
                    loss = _trainer.Step(x, batch.LabelSpan);
                }
                _average?.Update(Optimizer.StepCount);
                double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;

                epochSeconds += dt;
                _trainSeconds += dt;
                _partialLossSum += loss * batch.Count;
                _partialSamples += batch.Count;
                _batchesCompleted = batch.Number + 1;
                samplesThisRun += batch.Count;
                batchesThisRun++;
                if (Progress is { } report)
                {
                    double elapsed = wall.Elapsed.TotalSeconds;
                    long remaining = (long)(batches - _batchesCompleted) + (long)(Epochs - epoch) * batches;
                    report(new TrainingProgress(epoch, Epochs, _batchesCompleted, batches, _partialLossSum / _partialSamples,
                        samplesThisRun / Math.Max(elapsed, 1e-9), TimeSpan.FromSeconds(remaining * elapsed / batchesThisRun), _trainSeconds));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            SaveCheckpoint();
            throw;
        }

        double trainLoss = _partialSamples == 0 ? 0 : _partialLossSum / _partialSamples;
        long samples = _partialSamples;
        if (_average is not null) _average.CopyTo(_averaged!);
        _lastEvaluation = Evaluation.Evaluate(FinalModel, _test, Options.EvaluationBatchSize);
        EpochsCompleted = epoch;
        _batchesCompleted = 0;
        _partialLossSum = 0;
        _partialSamples = 0;
        double? lastWeights = _average is null ? null : Evaluation.Evaluate(Model, _test, Options.EvaluationBatchSize).Accuracy;
        var metrics = new EpochMetrics(epoch, trainLoss, _lastEvaluation.Accuracy, _lastEvaluation.MeanLoss, _trainSeconds,
            epochSeconds, wall.Elapsed.TotalSeconds, Optimizer.LearningRate, samples, lastWeights);
        _history.Add(metrics);
        SaveCheckpoint(branchPoint: epoch == Options.BranchPointEpoch);
        EpochCompleted?.Invoke(metrics);
        ct.ThrowIfCancellationRequested();
    }

    // How much the model being trained (its weight average when kept) reads each image as a digit: its largest
    // probability; what non-digit mining keeps the most of.
    private float[] DigitScore(float[][] images)
    {
        var probabilities = NonDigitEvaluation.Probabilities(FinalModel, images);
        int classes = FinalModel.OutputItemShape[^1];
        var scores = new float[images.Length];
        for (int i = 0; i < images.Length; i++)
            scores[i] = PredictionQuality.Assess(probabilities.AsSpan(i * classes, classes)).Confidence;
        return scores;
    }

    // At the branch point the one checkpoint captured is also kept where branches start from.
    private void SaveCheckpoint(bool branchPoint = false)
    {
        string? path = Options.CheckpointPath, branchPath = branchPoint ? Options.BranchPointPath : null;
        if (path is null && branchPath is null) return;
        var checkpoint = CreateCheckpoint();
        if (path is not null) checkpoint.Save(path);
        if (branchPath is not null) checkpoint.Save(branchPath);
    }

    private static Sequential<float> CreateModel(string architecture, TrainingOptions options) =>
        options.ModelFactory?.Invoke(architecture, options.Seed) ?? Architectures.Create<float>(architecture, options.Seed);
}
