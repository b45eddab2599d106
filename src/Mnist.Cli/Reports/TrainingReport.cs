using System.Globalization;
using System.Text;
using Mnist.Engine.Training;
using ScottPlot;
using Mnist.Engine.IO;

namespace Mnist.Cli.Reports;

/// <summary>
/// The <c>report/</c> folder of a run: PNG charts drawn with ScottPlot (loss and accuracy per epoch, the confusion
/// matrix), a grid of misclassified test digits, and an <c>index.md</c> that ties them together.
/// </summary>
internal static class TrainingReport
{
    public const string LossPng = "loss.png", AccuracyPng = "accuracy.png", ConfusionPng = "confusion.png", MisclassifiedPng = "misclassified.png";

    /// <summary>Writes every chart and the index into <paramref name="reportDir"/> (created if missing).</summary>
    public static void Write(RunSummary s, string reportDir)
    {
        Directory.CreateDirectory(reportDir);
        ReportFonts.UseForScottPlot();
        LossChart(s.Result.History, Path.Combine(reportDir, LossPng));
        AccuracyChart(s.Result.History, Path.Combine(reportDir, AccuracyPng));
        ConfusionChart(s.Result.Final, s.Dataset.ClassNames, Path.Combine(reportDir, ConfusionPng));
        MisclassifiedGrid.Write(s.Test, s.Result.Final, s.Dataset.ClassNames, Path.Combine(reportDir, MisclassifiedPng));
        AtomicFile.WriteAllBytes(Path.Combine(reportDir, "index.md"), Encoding.UTF8.GetBytes(Index(s)));
    }

    public static void LossChart(IReadOnlyList<EpochMetrics> history, string path)
    {
        var plot = new Plot();
        double[] epochs = [.. history.Select(h => (double)h.Epoch)];
        var train = plot.Add.Scatter(epochs, [.. history.Select(h => h.TrainLoss)]);
        train.LegendText = "train (mean over the epoch)";
        train.LineWidth = 2;
        train.MarkerSize = 7;
        var test = plot.Add.Scatter(epochs, [.. history.Select(h => h.TestLoss)]);
        test.LegendText = "test (after the epoch)";
        test.LineWidth = 2;
        test.MarkerSize = 7;
        plot.Title("Cross-entropy loss");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        EpochTicks(plot, history.Count);
        plot.Axes.SetLimitsY(0, Math.Max(0.05, history.Max(h => Math.Max(h.TrainLoss, h.TestLoss)) * 1.1));
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
    }

    public static void AccuracyChart(IReadOnlyList<EpochMetrics> history, string path)
    {
        var plot = new Plot();
        double[] acc = [.. history.Select(h => h.TestAccuracy * 100)];
        var line = plot.Add.Scatter([.. history.Select(h => (double)h.Epoch)], acc);
        line.LineWidth = 2;
        line.MarkerSize = 7;
        for (int i = 0; i < history.Count; i++)
        {
            var label = plot.Add.Text(acc[i].ToString("F2", CultureInfo.InvariantCulture) + "%", history[i].Epoch, acc[i]);
            label.LabelFontSize = 12;
            label.LabelAlignment = Alignment.LowerCenter;
            label.OffsetY = -6;
        }
        plot.Title("Test accuracy");
        plot.XLabel("epoch");
        plot.YLabel("accuracy (%)");
        EpochTicks(plot, history.Count);
        double low = acc.Min(), high = acc.Max();
        double pad = Math.Max(0.2, (high - low) * 0.15);
        plot.Axes.SetLimitsY(Math.Max(0, low - pad), Math.Min(100.5, high + pad * 1.5));
        plot.SavePng(path, 800, 500);
    }

    public static void ConfusionChart(EvaluationResult result, IReadOnlyList<string> classNames, string path)
    {
        int k = result.Confusion.Classes;
        // log scale colours so that the few errors stand out beside the large diagonal.
        var intensity = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                intensity[i, j] = Math.Log10(1 + result.Confusion[i, j]);
        var plot = new Plot();
        var map = plot.Add.Heatmap(intensity);
        map.Colormap = new ScottPlot.Colormaps.Blues().Reversed();
        map.Rectangle = new CoordinateRect(-0.5, k - 0.5, -0.5, k - 0.5); // cell (row i, col j) centred on (j, k−1−i); row 0 on top
        double top = intensity.Cast<double>().Max();
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                int count = result.Confusion[i, j];
                if (count == 0) continue;
                var text = plot.Add.Text(count.ToString(CultureInfo.InvariantCulture), j, k - 1 - i);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 13;
                text.LabelBold = i == j;
                text.LabelFontColor = intensity[i, j] > top * 0.6 ? Colors.White : (i == j ? Colors.Black : Colors.DarkRed);
            }
        }
        var positions = Enumerable.Range(0, k).Select(v => (double)v).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, [.. Enumerable.Range(0, k).Select(c => ClassLabels.Short(classNames, c))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, [.. Enumerable.Range(0, k).Select(j => ClassLabels.Long(classNames, k - 1 - j))]);
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Confusion matrix ({result.Count:N0} test images, {result.Count - result.Correct} errors)"));
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Grid.IsVisible = false;
        plot.SavePng(path, 720, 680);
    }

    private static void EpochTicks(Plot plot, int epochs)
    {
        int step = Math.Max(1, (int)Math.Ceiling(epochs / 12.0));
        var ticks = Enumerable.Range(1, epochs).Where(e => (e - 1) % step == 0).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. ticks.Select(e => (double)e)], [.. ticks.Select(e => e.ToString(CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimitsX(0.5, epochs + 0.5);
    }

    private static string Index(RunSummary s)
    {
        var f = s.Result.Final;
        var ic = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(ic, $"# {s.Recipe.Name} on {s.Dataset.DisplayName}: {f.Accuracy * 100:F2}% test accuracy");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine(ic, $"| recipe | `{s.Recipe.Name}` (architecture `{s.Recipe.Architecture}`, batch {s.Recipe.BatchSize}) — {s.Recipe.Description} |");
        md.AppendLine(ic, $"| epochs | {s.Result.History.Count} |");
        md.AppendLine(ic, $"| training samples | {s.TrainCount:N0} per epoch |");
        md.AppendLine(ic, $"| test accuracy | {f.Accuracy * 100:F2}% ({f.Correct:N0} of {f.Count:N0}), mean loss {f.MeanLoss:F4} |");
        md.AppendLine(ic, $"| training time | {s.Result.TrainSeconds:F1} s (optimizer steps only; data loading and evaluation excluded) |");
        md.AppendLine(ic, $"| parameters | {s.ParameterCount:N0} |");
        md.AppendLine(ic, $"| seed | {s.Seed} |");
        md.AppendLine(ic, $"| machine | {s.Machine.Cpu}, {s.Machine.Cores} cores, {s.Machine.Threads} threads, {s.Machine.Isa}; {s.Machine.DotNet}; {s.Machine.Os} |");
        md.AppendLine(ic, $"| command | `{s.CommandLine}` |");
        if (s.Result.ResumedFromEpoch > 0) md.AppendLine(ic, $"| resumed | after epoch {s.Result.ResumedFromEpoch} |");
        md.AppendLine();
        md.AppendLine(ic, $"![loss]({LossPng}) ![accuracy]({AccuracyPng})");
        md.AppendLine();
        md.AppendLine("## Per epoch");
        md.AppendLine();
        md.AppendLine("| epoch | train loss | test loss | test accuracy | training s (cumulative) |");
        md.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var h in s.Result.History)
            md.AppendLine(ic, $"| {h.Epoch} | {h.TrainLoss:F4} | {h.TestLoss:F4} | {h.TestAccuracy * 100:F2}% | {h.Seconds:F1} |");
        md.AppendLine();
        md.AppendLine("## Per class");
        md.AppendLine();
        md.AppendLine("| class | test images | accuracy |");
        md.AppendLine("|---|---:|---:|");
        for (int c = 0; c < f.PerClassAccuracy.Length; c++)
            md.AppendLine(ic, $"| {c} {(s.Dataset.ClassNames[c] == c.ToString(ic) ? "" : s.Dataset.ClassNames[c])} | {f.PerClassCount[c]:N0} | {f.PerClassAccuracy[c] * 100:F2}% |");
        md.AppendLine();
        md.AppendLine(ic, $"![confusion matrix]({ConfusionPng})");
        md.AppendLine();
        md.AppendLine(ic, $"## Misclassified test images (first {Math.Min(MisclassifiedGrid.MaxItems, f.Count - f.Correct)} of {f.Count - f.Correct}, labelled true→predicted)");
        md.AppendLine();
        md.AppendLine(ic, $"![misclassified]({MisclassifiedPng})");
        return md.ToString();
    }
}
