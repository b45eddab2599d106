using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Mnist.Cli.Cli;
using Mnist.Cli.Reports;
using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using Mnist.Engine.IO;

namespace Mnist.Cli.Commands;

/// <summary>
/// <c>mnist train</c>: runs a recipe with live progress (or <c>--json</c> lines), checkpoints every epoch, resumes,
/// stops cleanly on Ctrl+C/SIGTERM (exit 130), and leaves the model, <c>metrics.json</c> and a PNG report in the run folder.
/// </summary>
internal sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public const string CheckpointFileName = "checkpoint.bin", MetricsFileName = "metrics.json", ReportFolderName = "report";

    /// <summary>Renderings per drawn digit per epoch without <c>--drawn-copies</c>.</summary>
    public const int DefaultDrawnCopies = 2;

    /// <summary>Share of the teachers' soft term without <c>--distill-weight</c>.</summary>
    public const double DefaultDistillWeight = 0.5;

    /// <summary>Temperature of the soft term without <c>--distill-temperature</c>.</summary>
    public const double DefaultDistillTemperature = 1;

    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--arch <NAME>")]
        [Description("Recipe (network + training schedule): seed, lenet, default or fast (default: default; on fashion, default trains its clothing network).")]
        public string? Arch { get; init; }

        [CommandOption("--epochs <N>")]
        [Description("Epochs (default: the recipe's; with --resume: the checkpoint's).")]
        public int? Epochs { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $MNIST_DATA, else the per-user cache).")]
        public string? Data { get; init; }

        [CommandOption("--dataset <NAME>")]
        [Description("mnist or fashion (default mnist; with --resume: the checkpoint's).")]
        public string? Dataset { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Run folder (default runs/<arch>-<UTC time>; with --resume: the newest run folder with a checkpoint).")]
        public string? Out { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seed of weights, dropout, shuffling and augmentation (default 1).")]
        public ulong? Seed { get; init; }

        [CommandOption("--resume")]
        [Description("Continue the run in --out from its checkpoint.")]
        public bool Resume { get; init; }

        [CommandOption("--json")]
        [Description("One JSON object per line on stdout: each epoch, then the final result. Nothing else on stdout.")]
        public bool Json { get; init; }

        [CommandOption("--limit <N>")]
        [Description("Train on the first N training images only (quick runs).")]
        public int? Limit { get; init; }

        [CommandOption("--test-limit <N>")]
        [Description("Evaluate on the first N test images only (quick runs; the default is all of them).")]
        public int? TestLimit { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Compute threads (default: all cores).")]
        public int? Threads { get; init; }

        [CommandOption("--drawn <FILE>")]
        [Description("Mix drawn digits (pendigits-style JSON lines: label, writer, strokes) into the training set, rendered by the strokes preprocessing with fresh stroke augmentation every epoch. With --resume: the same file again.")]
        public string? Drawn { get; init; }

        [CommandOption("--drawn-writers <RANGES>")]
        [Description("Writers of --drawn to train on, e.g. 1-20 or 1-5,8 (default: all in the file; with --resume: the checkpoint's). Leave the writers you evaluate on out.")]
        public string? DrawnWriters { get; init; }

        [CommandOption("--drawn-copies <N>")]
        [Description("Renderings of each drawn digit per epoch, each with its own augmentation (default 2; with --resume: the checkpoint's).")]
        public int? DrawnCopies { get; init; }

        [CommandOption("--drawn-augment <NAME>")]
        [Description("Stroke augmentation of drawn digits: none, default or strong (default: default; with --resume: the checkpoint's).")]
        public string? DrawnAugment { get; init; }

        [CommandOption("--non-digits <N>")]
        [Description("Mix N drawings of letters, shapes and scribbles per epoch into the training set as 'not a digit' (uniform target), so the model answers non-digits unconfidently. With --resume: the same value again.")]
        public int? NonDigits { get; init; }

        [CommandOption("--non-digit-pairs <N>")]
        [Description("Also mix N pairs of --drawn digits per epoch in as 'not a digit': two digits of one writer touching or nearly, framed as one, as reading a number meets them. With --resume: the same value again.")]
        public int? NonDigitPairs { get; init; }

        [CommandOption("--non-digit-collages <N>")]
        [Description("Also mix N collages per epoch in as 'not a digit': pieces of the strokes of two or three --drawn digits of different labels, turned and overlapping, so that a digit's strokes in another arrangement (an A, an H, a +) are not read as a digit. With --resume: the same value again.")]
        public int? NonDigitCollages { get; init; }

        [CommandOption("--non-digit-turned <N>")]
        [Description("Also mix N --drawn digits per epoch in as 'not a digit' mirrored (3, 4, 6, 7) or turned a quarter (2, 4, 5, 7), so that a digit's strokes the wrong way round (a reversed 3, a turned 7) are not read as a digit. With --resume: the same value again.")]
        public int? NonDigitTurned { get; init; }

        [CommandOption("--non-digit-mining <K>")]
        [Description("Hard-negative mining: from the second epoch on, each shape, collage and image of the non-digits is the one of K draws that the model being trained reads most as a digit, so it learns from the non-digits it still takes for digits (default 1: no mining; at most 16). With --resume: the same value again.")]
        public int? NonDigitMining { get; init; }

        [CommandOption("--non-digit-images <N>")]
        [Description("Also mix N Fashion-MNIST training images per epoch in as 'not a digit' (found as 'mnist data --dataset fashion' finds them). With --resume: the same value again.")]
        public int? NonDigitImages { get; init; }

        [CommandOption("--non-digit-categories <LIST>")]
        [Description("Shape categories of --non-digits, comma-separated (default: the training family; 'mnist eval --help' lists the held-out ones, which are refused). With --resume: the same list again.")]
        public string? NonDigitCategories { get; init; }

        [CommandOption("--photos <SHARE>")]
        [Description("Share (0–1) of the training samples seen as in a photo: drawn 0.3–3 times their size, turned up to ±15°, on a canvas of either polarity with uneven light and noise, and read back through the image preprocessing, as pictures sent to the server are (default 0; with --resume: the checkpoint's).")]
        public float? Photos { get; init; }

        [CommandOption("--branches <K>")]
        [Description("Weight soup: train the run and K−1 branches of it that part after epoch --branch-after, each drawing its data with seed S+100·(b−1), and save the mean of their weights, which runs at one network's cost (default 1: no soup; at most 8). Folders branch-1 … branch-K hold the branches; --resume continues the soup.")]
        public int? Branches { get; init; }

        [CommandOption("--branch-after <E>")]
        [Description("With --branches: the epoch after which the branches part (default: a third of the epochs).")]
        public int? BranchAfter { get; init; }

        [CommandOption("--teachers <FILES>")]
        [Description("Knowledge distillation: comma-separated ONNX teacher models (e.g. a.onnx,b.onnx,c.onnx), run by the managed engine on every augmented batch; the student also learns the mean of their softmax. With --resume: the same files again.")]
        public string? Teachers { get; init; }

        [CommandOption("--distill-weight <W>")]
        [Description("Share of the teachers' soft term in the loss, 0–1; the rest stays on the hard labels (default 0.5; with --resume: the checkpoint's).")]
        public double? DistillWeight { get; init; }

        [CommandOption("--distill-temperature <T>")]
        [Description("Temperature of the teachers' and the student's softmax in the soft term, > 0 (default 1; with --resume: the checkpoint's).")]
        public double? DistillTemperature { get; init; }

        public override ValidationResult Validate()
        {
            if (Branches is < 1 or > SoupPlan.MaxBranches) return ValidationResult.Error($"--branches must be 1–{SoupPlan.MaxBranches}.");
            if (BranchAfter is not null && !(Branches > 1)) return ValidationResult.Error("--branch-after needs --branches K (K ≥ 2).");
            if (BranchAfter is < 1) return ValidationResult.Error("--branch-after must be at least 1.");
            if (Teachers is null && (DistillWeight is not null || DistillTemperature is not null))
                return ValidationResult.Error("--distill-weight and --distill-temperature need --teachers FILES.");
            if (Teachers is not null && TeacherPaths(Teachers).Length == 0)
                return ValidationResult.Error("--teachers needs at least one model file.");
            if (DistillWeight is double w && !(w >= 0 && w <= 1)) return ValidationResult.Error("--distill-weight must be 0–1.");
            if (DistillTemperature is double t && !(t > 0 && t <= 100)) return ValidationResult.Error("--distill-temperature must be above 0 (and at most 100).");
            if (Photos is float photos && !(photos >= 0 && photos <= 1)) return ValidationResult.Error("--photos must be 0–1.");
            if (Photos > 0 && Dataset is not null && DatasetCatalog.TryGet(Dataset, out var d) && d.Id != DatasetCatalog.Mnist.Id)
                return ValidationResult.Error("--photos is for digits (--dataset mnist): it reads samples back through the digit preprocessing.");
            if (NonDigitCategories is not null && !(NonDigits > 0)) return ValidationResult.Error("--non-digit-categories needs --non-digits N.");
            if (NonDigitCategories is not null)
            {
                try
                {
                    NonDigitTrainingSet.CheckCategories(CategoryList(NonDigitCategories));
                }
                catch (ArgumentException e)
                {
                    return ValidationResult.Error("--non-digit-categories: " + e.Message.Split(" (Parameter", 2)[0]);
                }
            }
            if (NonDigits is < 0 or > 1_000_000) return ValidationResult.Error("--non-digits must be 0–1000000.");
            if (NonDigitImages is < 0 or > 1_000_000) return ValidationResult.Error("--non-digit-images must be 0–1000000.");
            if (NonDigitPairs is < 0 or > 1_000_000) return ValidationResult.Error("--non-digit-pairs must be 0–1000000.");
            if (NonDigitPairs > 0 && Drawn is null) return ValidationResult.Error("--non-digit-pairs needs --drawn FILE (the pairs are made of its digits).");
            if (NonDigitCollages is < 0 or > 1_000_000) return ValidationResult.Error("--non-digit-collages must be 0–1000000.");
            if (NonDigitCollages > 0 && Drawn is null) return ValidationResult.Error("--non-digit-collages needs --drawn FILE (the collages are made of its digits' strokes).");
            if (NonDigitTurned is < 0 or > 1_000_000) return ValidationResult.Error("--non-digit-turned must be 0–1000000.");
            if (NonDigitMining is < 1 or > NonDigitTrainingSet.MaxMining) return ValidationResult.Error($"--non-digit-mining must be 1–{NonDigitTrainingSet.MaxMining}.");
            if (NonDigitMining > 1 && (NonDigits ?? 0) + (NonDigitCollages ?? 0) + (NonDigitImages ?? 0) == 0)
                return ValidationResult.Error("--non-digit-mining needs non-digits to mine: --non-digits, --non-digit-collages or --non-digit-images.");
            if (NonDigitTurned > 0 && Drawn is null) return ValidationResult.Error("--non-digit-turned needs --drawn FILE (the turned digits are its digits).");
            if (Drawn is null && (DrawnWriters is not null || DrawnCopies is not null || DrawnAugment is not null))
                return ValidationResult.Error("--drawn-writers, --drawn-copies and --drawn-augment need --drawn FILE.");
            if (DrawnCopies is < 1 or > 100) return ValidationResult.Error("--drawn-copies must be 1–100.");
            if (DrawnAugment is not null && !StrokeAugmentationOptions.Names.Contains(DrawnAugment.Trim().ToLowerInvariant()))
                return ValidationResult.Error($"Unknown --drawn-augment '{DrawnAugment}'. Known: {string.Join(", ", StrokeAugmentationOptions.Names)}.");
            if (DrawnWriters is not null)
            {
                try
                {
                    WriterSet.Parse(DrawnWriters);
                }
                catch (FormatException e)
                {
                    return ValidationResult.Error("--drawn-writers: " + e.Message);
                }
            }
            if (TestLimit is < 1) return ValidationResult.Error("--test-limit must be at least 1.");
            if (Arch is not null && !TrainingRecipes.Names.Contains(Arch))
                return ValidationResult.Error($"Unknown recipe '{Arch}'. Known: {string.Join(", ", TrainingRecipes.Names)}.");
            if (Epochs is < 1) return ValidationResult.Error("--epochs must be at least 1.");
            if (Limit is < 1) return ValidationResult.Error("--limit must be at least 1.");
            if (Threads is < 1) return ValidationResult.Error("--threads must be at least 1.");
            if (Dataset is not null && !DatasetCatalog.TryGet(Dataset, out _))
                return ValidationResult.Error($"Unknown dataset '{Dataset}'. Known: {string.Join(", ", DatasetCatalog.All.Select(d => d.Id))}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int signals = 0;
        void OnSignal(PosixSignalContext c)
        {
            // First signal: finish the current step, checkpoint, exit 130. A second one terminates at once
            // (files are written atomically, so that is safe too).
            c.Cancel = Interlocked.Increment(ref signals) == 1;
            cts.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        if (settings.Threads is int t) Parallelism.Degree = t;
        try
        {
            return Run(settings, cts.Token);
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliException(ErrorReporter.Sentence(e.Message), DataHint(e));
        }
    }

    /// <summary>What to do when the training data is missing: fetch it, or point at it.</summary>
    internal static string? DataHint(Exception e) =>
        e is DataFormatException && e.Message.Contains("data folder not found", StringComparison.Ordinal)
            ? "Fetch MNIST with 'mnist data' (downloads and verifies it), or point --data DIR or $MNIST_DATA at a folder holding the IDX files."
            : null;

    private static int Run(Settings settings, CancellationToken ct)
    {
        string? resumeDir = settings.Resume
            ? settings.Out ?? NewestRun(settings.Arch) ?? throw new IOException("--resume: no run folder with a checkpoint under runs/; give --out DIR.")
            : null;
        if (settings.Branches > 1 || (resumeDir is not null && File.Exists(Path.Combine(resumeDir, SoupPlan.FileName))))
            return RunSoup(settings, resumeDir, ct);
        var started = DateTimeOffset.UtcNow;
        Checkpoint? checkpoint = null;
        string outDir;
        if (resumeDir is not null)
        {
            outDir = resumeDir;
            string path = Path.Combine(outDir, CheckpointFileName);
            if (!File.Exists(path))
                throw new IOException($"--resume: {path} does not exist (a run writes it after its first epoch).");
            AtomicFile.DeleteLeftovers(outDir);
            checkpoint = LoadForResume(path, settings);
        }
        else
        {
            outDir = settings.Out ?? DefaultOut(settings, started);
            if (File.Exists(Path.Combine(outDir, CheckpointFileName)))
                throw new IOException($"{outDir} already holds a run (checkpoint.bin). Continue it with --resume --out {outDir}, or choose another --out.");
        }
        outDir = Path.GetFullPath(outDir);

        var data = RunData.Load(settings, checkpoint?.State);
        // Created only now that data and options are known good, so a failed start leaves no empty run folder behind.
        Directory.CreateDirectory(outDir);
        var options = data.Options(settings, checkpoint?.State.Seed ?? settings.Seed ?? 1, outDir);
        var session = checkpoint is null
            ? TrainingSession.Start(data.Recipe, data.Train, data.Test, options)
            : TrainingSession.Resume(data.Recipe, checkpoint, data.Train, data.Test, options);
        if (!settings.Json) PrintStart(session, data, outDir, checkpoint);

        var result = Train(session, settings, outDir, branch: null, ct);
        if (result is null) return ExitCodes.Interrupted;
        var summary = SaveRun(session, result, data, started, outDir);
        if (settings.Json)
        {
            WriteJsonLine(new JsonObject
            {
                ["model"] = summary.ModelPath,
                ["test_accuracy"] = Math.Round(result.Final.Accuracy, 6),
                ["seconds"] = Math.Round(result.TrainSeconds, 3),
            });
        }
        else
        {
            PrintSummary(summary, Path.Combine(outDir, ReportFolderName));
        }
        return 0;
    }

    private static string DefaultOut(Settings settings, DateTimeOffset started) =>
        Path.Combine("runs", $"{settings.Arch ?? DefaultRecipe}-{started:yyyyMMdd-HHmmss}Z");

    /// <summary>A run's checkpoint for <c>--resume</c>, refused when <c>--arch</c>, <c>--dataset</c> or <c>--seed</c> say otherwise.</summary>
    private static Checkpoint LoadForResume(string path, Settings settings, ulong? seed = null)
    {
        var checkpoint = Checkpoint.Load(path);
        if (settings.Arch is not null && settings.Arch != checkpoint.State.Recipe)
            throw new ArgumentException($"--resume: {path} is a '{checkpoint.State.Recipe}' run, not '{settings.Arch}'.");
        if (settings.Dataset is not null && DatasetCatalog.Get(settings.Dataset).Id != checkpoint.State.Dataset)
            throw new ArgumentException($"--resume: {path} was trained on '{checkpoint.State.Dataset}', not '{settings.Dataset}'.");
        ulong runSeed = checkpoint.State.Branch?.TrunkSeed ?? checkpoint.State.Seed;
        if ((seed ?? settings.Seed) is ulong s && s != runSeed)
            throw new ArgumentException($"--resume: {path} uses seed {runSeed}, not {s}.");
        return checkpoint;
    }

    /// <summary>
    /// <c>--branches K</c>: the run itself in <c>branch-1</c>, then K−1 branches of it from the end of epoch
    /// <c>--branch-after</c> in <c>branch-2</c> …, each drawing its data with the seed S + 100·(b−1); the run folder's model
    /// is the uniform average of their weights (<see cref="WeightSoup"/>), one network's cost to run. Each branch is a
    /// run folder of its own (checkpoint, model, metrics, report); an interrupted soup resumes at the branch it was in.
    /// </summary>
    private static int RunSoup(Settings settings, string? resumeDir, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        string outDir;
        SoupPlan plan;
        if (resumeDir is not null)
        {
            outDir = resumeDir;
            plan = SoupPlan.Load(outDir);
            if (settings.Branches is int k && k != plan.Branches)
                throw new ArgumentException($"--resume: {outDir} is a soup of {plan.Branches} branches, not {k}.");
            if (settings.BranchAfter is int e && e != plan.BranchAfter)
                throw new ArgumentException($"--resume: {outDir} branches after epoch {plan.BranchAfter}, not {e}.");
        }
        else
        {
            outDir = settings.Out ?? DefaultOut(settings, started);
            if (File.Exists(Path.Combine(outDir, SoupPlan.FileName)) || File.Exists(Path.Combine(outDir, CheckpointFileName)))
                throw new IOException($"{outDir} already holds a run. Continue it with --resume --out {outDir}, or choose another --out.");
            int epochs = settings.Epochs ?? TrainingRecipes.Get(settings.Arch ?? DefaultRecipe).ForDataset(DatasetCatalog.Get(settings.Dataset ?? "mnist").Id).Epochs;
            int after = settings.BranchAfter ?? Math.Max(1, epochs / 3);
            if (after >= epochs)
                throw new ArgumentException($"--branch-after {after}: the branches must part before the last epoch ({epochs}).");
            plan = new SoupPlan(settings.Branches!.Value, after, settings.Seed ?? 1);
        }
        outDir = Path.GetFullPath(outDir);

        string BranchDir(int b) => Path.Combine(outDir, $"branch-{b}");
        string branchPoint = Path.Combine(outDir, SoupPlan.BranchPointFileName);
        string trunkCheckpoint = Path.Combine(BranchDir(1), CheckpointFileName);
        var saved = File.Exists(trunkCheckpoint) ? LoadForResume(trunkCheckpoint, settings, plan.Seed).State : null;
        var data = RunData.Load(settings, saved);
        Directory.CreateDirectory(outDir);
        if (!settings.Resume) plan.Save(outDir);

        var finals = new List<(int Branch, ulong Seed, Checkpoint Model)>();
        for (int b = 1; b <= plan.Branches; b++)
        {
            string dir = BranchDir(b);
            ulong seed = plan.SeedOf(b);
            string modelFile = Path.Combine(dir, ModelFiles.CheckpointModelName);
            // A branch's model file is written when it has trained every epoch.
            if (File.Exists(modelFile))
            {
                finals.Add((b, seed, Checkpoint.Load(modelFile)));
                continue;
            }
            Directory.CreateDirectory(dir);
            AtomicFile.DeleteLeftovers(dir);
            var options = data.Options(settings, seed, dir) with
            {
                BranchPointPath = b == 1 ? branchPoint : null,
                BranchPointEpoch = plan.BranchAfter,
            };
            string checkpointPath = Path.Combine(dir, CheckpointFileName);
            TrainingSession session;
            Checkpoint? resumed = null;
            if (File.Exists(checkpointPath))
            {
                resumed = LoadForResume(checkpointPath, settings, plan.Seed);
                session = TrainingSession.Resume(data.Recipe, resumed, data.Train, data.Test, options);
            }
            else if (b == 1)
            {
                session = TrainingSession.Start(data.Recipe, data.Train, data.Test, options);
            }
            else
            {
                if (!File.Exists(branchPoint))
                    throw new IOException($"{branchPoint} is missing: branch 1 writes it after epoch {plan.BranchAfter}. Train the soup again in a new --out.");
                session = TrainingSession.Branch(data.Recipe, Checkpoint.Load(branchPoint), data.Train, data.Test, seed, options);
            }
            if (session.Epochs <= plan.BranchAfter)
                throw new ArgumentException($"--branch-after {plan.BranchAfter}: the branches must part before the last epoch ({session.Epochs}).");
            if (!settings.Json)
            {
                AnsiConsole.MarkupLine($"[bold]Branch {b} of {plan.Branches}[/] (seed {seed}" +
                    (b == 1 ? $"; the others part from it after epoch {plan.BranchAfter}" : $", from branch 1 after epoch {plan.BranchAfter}") + ")");
                PrintStart(session, data, dir, resumed);
            }
            var result = Train(session, settings, outDir, b, ct);
            if (result is null) return ExitCodes.Interrupted;
            SaveRun(session, result, data, started, dir);
            finals.Add((b, seed, session.CreateCheckpoint(includeOptimizer: false)));
        }

        var soup = finals[0].Model.CreateModel();
        WeightSoup.Average(finals.Select(f => f.Model.CreateModel()).ToArray(), soup);
        soup.Training = false;
        var evaluation = Evaluation.Evaluate(soup, data.Test);
        // Branch 1's first epochs are in every branch's training time; counted once.
        double shared = finals[0].Model.State.History[plan.BranchAfter - 1].Seconds;
        double seconds = finals.Sum(f => f.Model.State.TrainSeconds) - (finals.Count - 1) * shared;
        var trunk = finals[0].Model.State;
        var state = trunk with
        {
            TrainSeconds = seconds,
            History = [.. trunk.History.Take(trunk.History.Count - 1), trunk.History[^1] with { TestAccuracy = evaluation.Accuracy, TestLoss = evaluation.MeanLoss, Seconds = seconds }],
        };
        string soupData = string.Create(CultureInfo.InvariantCulture,
            $"weight soup: the mean of {finals.Count} branches of the run parted after epoch {plan.BranchAfter} (data seeds {string.Join(", ", finals.Select(f => f.Seed))})");
        string modelPath = ModelFiles.Save(soup, Checkpoint.Capture(soup, null, state), outDir, soupData);
        SoupPlan.WriteMetrics(Path.Combine(outDir, MetricsFileName), plan, finals.Select(f => (f.Branch, f.Seed, f.Model.State.History[^1].TestAccuracy, f.Model.State.TrainSeconds)),
            evaluation.Accuracy, seconds, CommandLine(), started, DateTimeOffset.UtcNow);
        if (settings.Json)
        {
            WriteJsonLine(new JsonObject
            {
                ["model"] = modelPath,
                ["test_accuracy"] = Math.Round(evaluation.Accuracy, 6),
                ["seconds"] = Math.Round(seconds, 3),
                ["branches"] = new JsonArray(finals.Select(f => (JsonNode)Math.Round(f.Model.State.History[^1].TestAccuracy, 6)).ToArray()),
            });
        }
        else
        {
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"[green]Done.[/] Weight soup of {finals.Count} branches ({string.Join(", ", finals.Select(f => $"{f.Model.State.History[^1].TestAccuracy * 100:F2}%"))}): " +
                $"test accuracy [bold]{evaluation.Accuracy * 100:F2}%[/] ({evaluation.Correct:N0}/{evaluation.Count:N0}), training time {seconds:F1} s."));
            AnsiConsole.MarkupLine($"Model:   {Markup.Escape(modelPath)}");
        }
        return 0;
    }

    private static void PrintStart(TrainingSession session, RunData data, string outDir, Checkpoint? checkpoint)
    {
        var recipe = session.Recipe;
        AnsiConsole.MarkupLine($"Training [bold]{Markup.Escape(recipe.Name)}[/] on {Markup.Escape(data.Dataset.DisplayName)} " +
            $"({data.Train.Count:N0} training, {data.Test.Count:N0} test images from {Markup.Escape(data.Location.Folder)})");
        AnsiConsole.MarkupLine($"[grey]{session.Epochs} epochs × {session.BatchesPerEpoch} batches of {recipe.BatchSize}, seed {session.Options.Seed}, " +
            $"{Parallelism.Degree} threads, {session.Model.ParameterCount:N0} parameters → {Markup.Escape(outDir)}[/]");
        if (data.Drawn is { } drawn)
            AnsiConsole.MarkupLine($"[grey]Drawn digits: {Markup.Escape(drawn.Describe().ToSummary())}: {drawn.Count:N0} renderings per epoch" +
                (drawn.Skipped > 0 ? $" ({drawn.Skipped} digits without ink left out)" : "") + ".[/]");
        if (recipe.Augmentation.PhotoProbability > 0)
            AnsiConsole.MarkupLine($"[grey]Photos: {recipe.Augmentation.PhotoProbability.ToString("P0", CultureInfo.InvariantCulture)} of the samples are seen as in a photo, through the image preprocessing.[/]");
        if (data.Distillation is { } distillation)
            AnsiConsole.MarkupLine($"[grey]Teachers: {Markup.Escape(distillation.Describe().ToSummary())}.[/]");
        if (checkpoint is not null)
            AnsiConsole.MarkupLine($"[grey]Resuming after epoch {checkpoint.State.EpochsCompleted}" +
                (checkpoint.State.BatchesCompleted > 0 ? $", batch {checkpoint.State.BatchesCompleted}" : "") + ".[/]");
    }

    /// <summary>Runs <paramref name="session"/> with the progress <paramref name="settings"/> ask for; null when interrupted
    /// (the checkpoint saved and how to resume said on stderr).</summary>
    private static TrainingResult? Train(TrainingSession session, Settings settings, string runDir, int? branch, CancellationToken ct)
    {
        try
        {
            return settings.Json ? RunJson(session, branch, ct)
                : AnsiConsole.Profile.Capabilities.Interactive ? RunLive(session, ct)
                : RunPlain(session, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            string path = session.Options.CheckpointPath!;
            var state = Checkpoint.Load(path).State;
            string where = state.BatchesCompleted > 0
                ? $"epoch {state.EpochsCompleted + 1}, batch {state.BatchesCompleted} of {session.BatchesPerEpoch}"
                : $"the end of epoch {state.EpochsCompleted}";
            Console.Error.WriteLine($"Interrupted. Checkpoint saved at {where}" + (branch is int b ? $" of branch {b}" : "") + $": {path}");
            Console.Error.WriteLine($"Resume with: mnist train --resume --out {Quote(runDir)}");
            return null;
        }
    }

    /// <summary>Writes a finished run's model, <c>metrics.json</c> and report into <paramref name="outDir"/>.</summary>
    private static RunSummary SaveRun(TrainingSession session, TrainingResult result, RunData data, DateTimeOffset started, string outDir)
    {
        string modelPath = ModelFiles.Save(session.FinalModel, session.CreateCheckpoint(includeOptimizer: false), outDir);
        var summary = new RunSummary(session.Recipe, data.Dataset, data.Location.Folder, data.Train.Count, data.Test, session.Options.Seed, result,
            session.Model.ParameterCount, modelPath, outDir, MachineInfo.Current(), CommandLine(), started, DateTimeOffset.UtcNow,
            data.Drawn?.Describe(), data.Distillation?.Describe());
        MetricsJson.Write(summary, Path.Combine(outDir, MetricsFileName));
        TrainingReport.Write(summary, Path.Combine(outDir, ReportFolderName));
        return summary;
    }

    /// <summary>What a run trains on and with: the dataset, the recipe as registered, the splits and the mixed-in data.</summary>
    private sealed record RunData(DatasetInfo Dataset, TrainingRecipe Recipe, DataLocation Location, MnistDataset Train, MnistDataset Test,
        DrawnTrainingSet? Drawn, NonDigitTrainingSet? NonDigits, Distillation? Distillation)
    {
        /// <summary>Loads and checks everything before a run folder is made; <paramref name="saved"/> is the state being resumed.</summary>
        public static RunData Load(Settings settings, TrainingState? saved)
        {
            var dataset = DatasetCatalog.Get(saved?.Dataset ?? settings.Dataset ?? "mnist");
            var recipe = TrainingRecipes.Get(saved?.Recipe ?? settings.Arch ?? DefaultRecipe);
            var location = DataLocator.Resolve(dataset, settings.Data);
            var (train, test) = MnistDataset.LoadTrainTest(location.Folder, dataset);
            int? limit = saved?.TrainCount ?? settings.Limit;
            if (limit is int n) train = train.Take(n);
            int? testLimit = settings.TestLimit ?? (saved?.TestCount is int count && count > 0 && count < test.Count ? count : null);
            if (testLimit is int m) test = test.Take(m);
            var drawn = LoadDrawn(settings, saved?.Drawn);
            var nonDigits = LoadNonDigits(settings, dataset, drawn);
            var distillation = LoadTeachers(settings, saved?.Distillation);
            return new RunData(dataset, recipe, location, train, test, drawn, nonDigits, distillation);
        }

        public TrainingOptions Options(Settings settings, ulong seed, string runDir) => new()
        {
            Epochs = settings.Epochs,
            Seed = seed,
            Dataset = Dataset.Id,
            CheckpointPath = Path.Combine(runDir, CheckpointFileName),
            Drawn = Drawn,
            NonDigits = NonDigits,
            Distillation = Distillation,
            PhotoProbability = settings.Photos,
        };
    }

    /// <summary>
    /// The drawn digits to mix in: <c>--drawn FILE</c> restricted to <c>--drawn-writers</c>; on resume, the checkpoint's
    /// writers, copies and augmentation unless given (a mismatch is reported by <see cref="TrainingSession.Resume"/>).
    /// </summary>
    private static DrawnTrainingSet? LoadDrawn(Settings settings, DrawnTrainingState? saved)
    {
        if (settings.Drawn is null)
        {
            if (saved is not null)
                throw new ArgumentException($"--resume: the run mixes in drawn digits ({saved.ToSummary()}); give --drawn {saved.File} again.");
            return null;
        }
        var file = DrawnDigitSet.Load(settings.Drawn);
        var writers = settings.DrawnWriters is { } w ? WriterSet.Parse(w) : saved is not null ? WriterSet.Parse(saved.Writers) : file.Writers;
        var digits = file.Where(writers);
        if (digits.Count == 0)
            throw new ArgumentException($"--drawn-writers {writers}: {file.Name} has no digits of these writers (it has writers {file.Writers}).");
        return new DrawnTrainingSet(digits, writers, settings.DrawnCopies ?? saved?.Copies ?? DefaultDrawnCopies,
            settings.DrawnAugment ?? saved?.Augmentation ?? "default");
    }

    /// <summary>
    /// The teachers of <c>--teachers</c> with <c>--distill-weight</c> and <c>--distill-temperature</c>; on resume, the
    /// checkpoint's weight and temperature unless given (a mismatch is reported by <see cref="TrainingSession.Resume"/>).
    /// </summary>
    private static Distillation? LoadTeachers(Settings settings, DistillationState? saved)
    {
        if (settings.Teachers is null)
        {
            if (saved is not null)
                throw new ArgumentException($"--resume: the run is {saved.ToSummary()}; give --teachers {string.Join(',', saved.Teachers.Select(t => t.File))} again.");
            return null;
        }
        var teachers = TeacherEnsemble.Load(TeacherPaths(settings.Teachers));
        return new Distillation(teachers, settings.DistillWeight ?? saved?.Weight ?? DefaultDistillWeight,
            settings.DistillTemperature ?? saved?.Temperature ?? DefaultDistillTemperature);
    }

    /// <summary>The files of a <c>--teachers</c> value: comma-separated, blanks trimmed.</summary>
    internal static string[] TeacherPaths(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A comma-separated list of category names, trimmed, empty entries dropped.</summary>
    internal static string[] CategoryList(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The non-digits to mix in: <c>--non-digits</c> shapes, <c>--non-digit-pairs</c> pairs of the drawn digits,
    /// <c>--non-digit-collages</c> collages of their strokes, <c>--non-digit-turned</c> of them mirrored or turned and
    /// <c>--non-digit-images</c> Fashion-MNIST images per epoch.</summary>
    private static NonDigitTrainingSet? LoadNonDigits(Settings settings, DatasetInfo dataset, DrawnTrainingSet? drawn)
    {
        int shapes = settings.NonDigits ?? 0, images = settings.NonDigitImages ?? 0, pairs = settings.NonDigitPairs ?? 0,
            collages = settings.NonDigitCollages ?? 0, turned = settings.NonDigitTurned ?? 0;
        if (shapes + images + pairs + collages + turned == 0) return null;
        if (dataset.Id != DatasetCatalog.Mnist.Id)
            throw new ArgumentException("--non-digits, --non-digit-pairs, --non-digit-collages, --non-digit-turned and --non-digit-images are for digit datasets (mnist).");
        MnistDataset? objects = null;
        if (images > 0)
        {
            var location = DataLocator.Resolve(DatasetCatalog.FashionMnist, null);
            objects = MnistDataset.Load(location.Folder, MnistSplit.Train, DatasetCatalog.FashionMnist);
        }
        return new NonDigitTrainingSet(shapes, objects, images, pairs: pairs, drawnDigits: drawn?.Samples,
            categories: settings.NonDigitCategories is { } list ? CategoryList(list) : null, collages: collages, turned: turned,
            mining: settings.NonDigitMining ?? 1);
    }

    /// <summary>
    /// The command-line arguments as recorded in model cards and metrics: the files and folders of <c>--drawn</c>,
    /// <c>--teachers</c>, <c>--data</c> and <c>--out</c> by their names only, so no machine's folders end up in a model file.
    /// </summary>
    internal static IEnumerable<string> RecordedArgs() => RecordedArgs(Environment.GetCommandLineArgs().Skip(1).ToArray());

    /// <summary>Which of <paramref name="options"/> a command-line word is, as <c>--option</c> (its value the next word) or
    /// <c>--option=value</c>; null for any other word.</summary>
    internal static string? OptionOf(string word, IReadOnlyList<string> options) =>
        options.FirstOrDefault(o => word == o || word.StartsWith(o + "=", StringComparison.Ordinal));

    /// <inheritdoc cref="RecordedArgs()"/>
    internal static IEnumerable<string> RecordedArgs(string[] args)
    {
        string[] pathOptions = ["--drawn", "--teachers", "--data", "--out"];
        for (int i = 0; i < args.Length; i++)
        {
            string? option = OptionOf(args[i], pathOptions);
            if (option is null)
                yield return args[i];
            else if (args[i].Length > option.Length)
                yield return option + "=" + Names(option, args[i][(option.Length + 1)..]);
            else if (i + 1 < args.Length)
            {
                yield return args[i];
                yield return Names(option, args[++i]);
            }
            else
                yield return args[i];
        }

        static string Names(string option, string value) =>
            option == "--teachers" ? string.Join(',', TeacherPaths(value).Select(Name)) : Name(value);

        // A file or folder by its last part (a folder given with a trailing separator too).
        static string Name(string path) => Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
    }

    /// <summary>The recipe used without <c>--arch</c>: the project's best (<c>default</c>) once it exists.</summary>
    private static string DefaultRecipe => TrainingRecipes.Names.Contains("default") ? "default" : "lenet";

    private static TrainingResult RunJson(TrainingSession session, int? branch, CancellationToken ct)
    {
        session.EpochCompleted = m =>
        {
            var line = MetricsJson.Epoch(m);
            var json = new JsonObject();
            if (branch is int b) json["branch"] = b;
            json["epoch"] = m.Epoch;
            json["train_loss"] = line["train_loss"]!.DeepClone();
            json["test_accuracy"] = line["test_accuracy"]!.DeepClone();
            json["seconds"] = line["seconds"]!.DeepClone();
            if (m.LastWeightsAccuracy is double a) json["last_weights_accuracy"] = Math.Round(a, 6);
            WriteJsonLine(json);
        };
        return session.Run(ct);
    }

    private static TrainingResult RunLive(TrainingSession session, CancellationToken ct)
    {
        TrainingResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(progress =>
            {
                ProgressTask? task = null;
                long lastUpdate = 0;
                session.Progress = p =>
                {
                    task ??= progress.AddTask("starting", maxValue: (double)p.Epochs * p.BatchesPerEpoch);
                    long now = Stopwatch.GetTimestamp();
                    bool last = p.Batch == p.BatchesPerEpoch;
                    if (!last && Stopwatch.GetElapsedTime(lastUpdate, now).TotalMilliseconds < 100) return;
                    lastUpdate = now;
                    task.Value = (double)(p.Epoch - 1) * p.BatchesPerEpoch + p.Batch;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"epoch {p.Epoch}/{p.Epochs}  batch {p.Batch,4}/{p.BatchesPerEpoch}  loss {p.RunningLoss:F4}  {p.SamplesPerSecond,6:N0} samples/s  ETA {Eta(p.Eta)}");
                };
                session.EpochCompleted = m =>
                    AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {m.Epoch,3}  train loss {m.TrainLoss:F4}  test loss {m.TestLoss:F4}  test accuracy [bold]{m.TestAccuracy * 100:F2}%[/]  training {m.Seconds:F1} s"));
                result = session.Run(ct);
            });
        return result!;
    }

    /// <summary>
    /// Progress for a pipe or a log file, where a live bar cannot redraw itself: a plain line every few seconds and one
    /// per epoch.
    /// </summary>
    private static TrainingResult RunPlain(TrainingSession session, CancellationToken ct)
    {
        long lastLine = Stopwatch.GetTimestamp();
        session.Progress = p =>
        {
            long now = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(lastLine, now).TotalSeconds < 5) return;
            lastLine = now;
            double done = ((double)(p.Epoch - 1) * p.BatchesPerEpoch + p.Batch) / ((double)p.Epochs * p.BatchesPerEpoch);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {p.Epoch}/{p.Epochs}  batch {p.Batch}/{p.BatchesPerEpoch}  loss {p.RunningLoss:F4}  {p.SamplesPerSecond:N0} samples/s  {done * 100:F0}% done, ETA {Eta(p.Eta)}"));
        };
        session.EpochCompleted = m =>
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {m.Epoch,3}  train loss {m.TrainLoss:F4}  test loss {m.TestLoss:F4}  test accuracy {m.TestAccuracy * 100:F2}%  training {m.Seconds:F1} s"));
        return session.Run(ct);
    }

    private static void PrintSummary(RunSummary s, string reportDir)
    {
        var f = s.Result.Final;
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[green]Done.[/] Test accuracy [bold]{f.Accuracy * 100:F2}%[/] ({f.Correct:N0}/{f.Count:N0}), training time {s.Result.TrainSeconds:F1} s (wall {s.Result.WallSeconds:F1} s)."));
        var table = new Table().Border(TableBorder.Rounded).AddColumn("class").AddColumn(new TableColumn("accuracy").RightAligned());
        for (int c = 0; c < f.PerClassAccuracy.Length; c++)
            table.AddRow(Markup.Escape(s.Dataset.ClassNames[c]), (f.PerClassAccuracy[c] * 100).ToString("F2", CultureInfo.InvariantCulture) + "%");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Model:   {Markup.Escape(s.ModelPath)}");
        AnsiConsole.MarkupLine($"Metrics: {Markup.Escape(Path.Combine(s.OutDir, MetricsFileName))}");
        AnsiConsole.MarkupLine($"Report:  {Markup.Escape(Path.Combine(reportDir, "index.md"))}");
    }

    /// <summary>The newest folder under runs/ (of <paramref name="arch"/> when given) that holds a checkpoint, or a soup's
    /// branches (by their newest checkpoint).</summary>
    private static string? NewestRun(string? arch)
    {
        if (!Directory.Exists("runs")) return null;
        return Directory.EnumerateDirectories("runs", arch is null ? "*" : arch + "-*")
            .Select(d => (Folder: d, Checkpoints: File.Exists(Path.Combine(d, SoupPlan.FileName))
                ? Directory.EnumerateDirectories(d, "branch-*").Select(b => Path.Combine(b, CheckpointFileName)).Where(File.Exists).ToArray()
                : File.Exists(Path.Combine(d, CheckpointFileName)) ? [Path.Combine(d, CheckpointFileName)] : []))
            .Where(r => r.Checkpoints.Length > 0)
            .OrderByDescending(r => r.Checkpoints.Max(File.GetLastWriteTimeUtc))
            .Select(r => r.Folder)
            .FirstOrDefault();
    }

    private static void WriteJsonLine(JsonObject line)
    {
        Console.Out.WriteLine(line.ToJsonString(CliJson.SerializerOptions));
        Console.Out.Flush();
    }

    private static string Eta(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    /// <summary>The command as model cards and metrics record it: <see cref="RecordedArgs()"/>, each quoted for a POSIX shell where needed.</summary>
    internal static string CommandLine() => "mnist " + string.Join(' ', RecordedArgs().Select(Quote));

    /// <summary>
    /// The words of a command line as <see cref="CommandLine"/> records it: split at spaces outside single quotes, with
    /// the quoting <see cref="Quote"/> adds ('…' and '\\'' for a quote inside) taken off again.
    /// </summary>
    internal static List<string> SplitRecorded(string commandLine)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool inWord = false, quoted = false;
        for (int i = 0; i < commandLine.Length; i++)
        {
            char ch = commandLine[i];
            if (quoted)
            {
                if (ch == '\'') quoted = false;
                else word.Append(ch);
            }
            else if (ch == '\'') { quoted = true; inWord = true; }
            else if (ch == '\\' && i + 1 < commandLine.Length) { word.Append(commandLine[++i]); inWord = true; }
            else if (ch == ' ')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else { word.Append(ch); inWord = true; }
        }

        if (inWord) words.Add(word.ToString());
        return words;
    }

    private static string Quote(string s) => s.Length > 0 && s.All(ch => char.IsLetterOrDigit(ch) || "-_./=:,+@".Contains(ch, StringComparison.Ordinal)) ? s : $"'{s.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
