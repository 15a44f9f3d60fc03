using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch.utils;

namespace Anneal.Training;

/// <summary>
/// Writes a run directory: <c>metrics.csv</c> (one row per step), TensorBoard event files under <c>tensorboard/</c>,
/// <c>run.json</c>, <c>summary.json</c> and <c>curves.png</c>. On resume, rows of <c>metrics.csv</c> from steps at or
/// after the resumed step (written by the interrupted run after its last checkpoint) are dropped, so the file describes
/// the one continued run; TensorBoard gets a new event file and shows those steps twice.
/// </summary>
internal sealed class RunWriter : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly string _directory;
    private readonly int _groups;
    private readonly StreamWriter _metrics;
    private readonly SummaryWriter _tensorboard;

    public RunWriter(string directory, int groups, int startStep)
    {
        _directory = directory;
        _groups = groups;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "metrics.csv");
        var header = "step,tokens," + string.Join(",", Enumerable.Range(0, groups).Select(g => $"lr_group{g}")) + ",train_loss,val_loss,tokens_per_s";
        var kept = new List<string> { header };
        if (startStep > 0 && File.Exists(path))
        {
            kept.AddRange(File.ReadLines(path).Skip(1).Where(line =>
                int.TryParse(line.AsSpan(0, Math.Max(0, line.IndexOf(','))), NumberStyles.None, CultureInfo.InvariantCulture, out var step) && step < startStep));
        }

        File.WriteAllLines(path, kept);
        _metrics = new StreamWriter(path, append: true, new UTF8Encoding(false));
        _tensorboard = tensorboard.SummaryWriter(Path.Combine(directory, "tensorboard"));
        Steps = [];
        TrainLosses = [];
        LearningRates = [];
        EvalSteps = [];
        ValidationLosses = [];
    }

    public List<double> Steps { get; }

    public List<double> TrainLosses { get; }

    public List<double[]> LearningRates { get; }

    public List<double> EvalSteps { get; }

    public List<double> ValidationLosses { get; }

    public void WriteJson(string name, JsonNode node) =>
        File.WriteAllText(Path.Combine(_directory, name), node.ToJsonString(Indented) + "\n");

    public void Row(StepReport report, double? validationLoss)
    {
        Steps.Add(report.Step);
        TrainLosses.Add(report.Loss);
        LearningRates.Add([.. report.LearningRates]);
        var row = new StringBuilder();
        row.Append(report.Step.ToString(CultureInfo.InvariantCulture)).Append(',').Append(report.Tokens.ToString(CultureInfo.InvariantCulture));
        for (var g = 0; g < _groups; g++)
        {
            row.Append(',').Append(report.LearningRates[g].ToString("R", CultureInfo.InvariantCulture));
        }

        row.Append(',').Append(report.Loss.ToString("R", CultureInfo.InvariantCulture));
        row.Append(',').Append(validationLoss?.ToString("R", CultureInfo.InvariantCulture) ?? "");
        row.Append(',').Append(report.TokensPerSecond.ToString("F1", CultureInfo.InvariantCulture));
        _metrics.WriteLine(row.ToString());
        _tensorboard.add_scalar("loss/train", (float)report.Loss, report.Step);
        for (var g = 0; g < _groups; g++)
        {
            _tensorboard.add_scalar($"lr/group{g}", (float)report.LearningRates[g], report.Step);
        }

        _tensorboard.add_scalar("throughput/tokens_per_s", (float)report.TokensPerSecond, report.Step);
        if (validationLoss is { } v)
        {
            EvalSteps.Add(report.Step);
            ValidationLosses.Add(v);
            _tensorboard.add_scalar("loss/validation", (float)v, report.Step);
            _metrics.Flush();
        }
    }

    public void Flush() => _metrics.Flush();

    /// <summary>Loss (left axis) and learning rate of group 0 (right axis) against step, with the entropy floor when known.</summary>
    public void Plot(double? floor, double unigram)
    {
        var plot = new ScottPlot.Plot();
        if (Steps.Count > 0)
        {
            var train = plot.Add.Scatter(Steps.ToArray(), TrainLosses.ToArray());
            train.LegendText = "train loss";
            train.MarkerSize = 0;
            if (EvalSteps.Count > 0)
            {
                var val = plot.Add.Scatter(EvalSteps.ToArray(), ValidationLosses.ToArray());
                val.LegendText = "validation loss";
                val.MarkerSize = 5;
            }

            var uni = plot.Add.HorizontalLine(unigram);
            uni.LegendText = "unigram baseline";
            uni.LinePattern = ScottPlot.LinePattern.Dotted;
            if (floor is { } f)
            {
                var entropy = plot.Add.HorizontalLine(f);
                entropy.LegendText = "entropy floor";
                entropy.LinePattern = ScottPlot.LinePattern.Dashed;
            }

            var lr = plot.Add.Scatter(Steps.ToArray(), LearningRates.Select(l => l[0]).ToArray());
            lr.LegendText = "learning rate";
            lr.MarkerSize = 0;
            lr.Axes.YAxis = plot.Axes.Right;
        }

        plot.XLabel("step");
        plot.YLabel("loss (nats per token)");
        plot.Axes.Right.Label.Text = "learning rate";
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(Path.Combine(_directory, "curves.png"), 1000, 560);
    }

    public void Dispose()
    {
        _metrics.Dispose();
    }
}
