using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Runs;
using Anneal.TorchSharp;

namespace Anneal.Training.Experiments;

/// <summary>
/// The LR range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks", section 3.3; fastai's
/// <c>lr_find</c>): trains the model of <see cref="TrainingOptions"/> (the same data, batches, initial weights and optimizer
/// as <see cref="Trainer"/>) for a few hundred steps while the learning rate grows exponentially from
/// <see cref="LrFinderOptions.StartLr"/> towards <see cref="LrFinderOptions.EndLr"/>, records the loss of every step,
/// smooths it, stops when it diverges, and suggests learning rates (<see cref="LrFinderSuggestions"/>).
/// </summary>
/// <remarks>
/// <para><b>Learning rate.</b> The sweep is an Anneal schedule (<see cref="LrFinderOptions.Schedule"/>, an
/// <see cref="ExponentialLR"/>) driven by a <see cref="Scheduler"/> bound to both parameter groups with base learning rate
/// <c>StartLr</c>: step i runs at <c>StartLr · gamma^i</c>. The options' own <c>LearningRate</c> and <c>Schedule</c> are not used.</para>
/// <para><b>Stopping.</b> A NaN or infinite loss stops the sweep before that step is applied; otherwise, after the step, once
/// the smoothed loss exceeds 4 × its minimum (fastai's <c>stop_div</c>). No validation and no checkpoint.</para>
/// <para><b>Suggested schedule.</b> The peak is the steep suggestion (<see cref="LrFinderOptions.Peak"/> picks another,
/// such as fastai's default, the valley); the schedule is the
/// <see cref="SchedulePresets.Default"/> preset, linear warmup over 5% of <c>TrainingOptions.Steps</c> then cosine decay
/// to a tenth of the peak (<c>cosine_with_min_lr</c>, nanoGPT's and most LLM recipes' shape), i.e. exactly what
/// <c>anneal train --lr PEAK --steps N</c> runs by default. Its spec multiplies the base learning rate, so the peak is
/// given as <c>--lr</c>.</para>
/// <para><b>Files</b> in the output directory: <c>lr_find.csv</c> (step, lr, loss, smoothed_loss), <c>lr_find.json</c>
/// (<see cref="LrFinderSummary"/>) and <c>suggested_schedule.json</c> (only when there are suggestions); the command line
/// adds the plot, <c>lr_find.png</c>. A directory that is not empty is refused unless forced.</para>
/// </remarks>
public static class LrFinder
{
    /// <summary>The CSV of the sweep.</summary>
    public const string CsvFile = "lr_find.csv";

    /// <summary>The plot.</summary>
    public const string PlotFile = "lr_find.png";

    /// <summary>The summary.</summary>
    public const string SummaryFile = "lr_find.json";

    /// <summary>The suggested schedule's spec.</summary>
    public const string ScheduleFile = "suggested_schedule.json";

    /// <summary>Runs the sweep and writes its files into <paramref name="outputDirectory"/> (created).</summary>
    /// <param name="options">The model, data and optimizer.</param>
    /// <param name="sweep">The sweep.</param>
    /// <param name="outputDirectory">A new or empty directory; with <paramref name="force"/> any (its sweep files are replaced).</param>
    /// <param name="force">Write into a directory that is not empty.</param>
    /// <param name="progress">Receives the progress.</param>
    /// <param name="cancellation">Stops the sweep; what was recorded is analysed.</param>
    /// <exception cref="TrainingInputException">Bad options or data, or a directory that is not empty.</exception>
    public static LrFinderResult Run(TrainingOptions options, LrFinderOptions sweep, string outputDirectory, bool force = false, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        sweep.Validate();
        options.Validate();
        if (!force && !new RunDirectory(outputDirectory).IsEmpty)
        {
            throw new TrainingInputException(TrainingOption.OutputDirectory, $"'{outputDirectory}' is not empty; choose a new or empty directory", new ForceRemedy());
        }

        progress ??= NullProgress.Instance;
        var clock = Stopwatch.StartNew();

        using var data = RunSetup.LoadData(options);
        var floor = data.EntropyFloorNatsPerToken;
        var device = RunSetup.ResolveDevice(options);
        var config = RunSetup.ModelConfig(options, data);
        using var model = RunSetup.CreateModel(options, config, device);
        using var optimizer = Trainer.CreateOptimizer(options, model);
        var schedule = sweep.Schedule();
        var groups = optimizer.GetParamGroups();
        var scheduler = new Scheduler(schedule, groups, [.. groups.Select(_ => sweep.StartLr)]);
        var spec = ScheduleSpec.Write(schedule);

        Directory.CreateDirectory(outputDirectory);
        var tokensPerStep = options.TokensPerStep;
        progress.Started(new RunInfo(0, sweep.Steps, config.ParameterCount, tokensPerStep, data.Source, config.VocabularySize, floor, data.UnigramNatsPerToken,
            $"{spec} from lr {LrFinderOptions.Show(sweep.StartLr)}", outputDirectory));

        var points = new List<LrFinderPoint>();
        var smoother = new LossSmoother();
        var stop = LrFinderStop.Completed;
        var parameters = model.parameters().ToArray();
        long tokens = 0;
        var loopClock = Stopwatch.StartNew();
        model.train();
        for (var step = 0; step < sweep.Steps; step++)
        {
            if (cancellation.IsCancellationRequested)
            {
                stop = LrFinderStop.Cancelled;
                break;
            }

            var lr = scheduler.LastLearningRates[0];
            var stepClock = Stopwatch.StartNew();
            // The batches and update of anneal train's step `step`.
            var loss = Trainer.TrainStep(model, parameters, optimizer, data, options, step, device, double.IsFinite);
            if (!double.IsFinite(loss))
            {
                points.Add(new LrFinderPoint(step, lr, loss, double.NaN));
                stop = LrFinderStop.NonFiniteLoss;
                break;
            }

            tokens += tokensPerStep;
            var smoothed = smoother.Add(loss);
            points.Add(new LrFinderPoint(step, lr, loss, smoothed));
            var seconds = stepClock.Elapsed.TotalSeconds;
            var eta = TimeSpan.FromSeconds(loopClock.Elapsed.TotalSeconds / (step + 1) * (sweep.Steps - step - 1));
            progress.Stepped(new StepReport(step, sweep.Steps, tokens, loss, [.. scheduler.LastLearningRates], tokensPerStep / seconds, eta));
            if (sweep.StopOnDivergence && smoother.HasDiverged)
            {
                stop = LrFinderStop.Diverged;
                break;
            }

            scheduler.Step();
        }

        var last = points.Count > 0 ? points[^1] : null;
        var message = (stop, last) switch
        {
            (LrFinderStop.Diverged, { } p) => string.Create(CultureInfo.InvariantCulture,
                $"diverged at step {p.Step} (lr {p.LearningRate:G3}): smoothed loss {p.SmoothedLoss:F4} > {LrFinderSuggestions.DivergenceFactor:G} x its minimum {smoother.Minimum:F4}"),
            (LrFinderStop.NonFiniteLoss, { } p) => string.Create(CultureInfo.InvariantCulture,
                $"the loss became {p.Loss} at step {p.Step} (lr {p.LearningRate:G3}); that step was not applied"),
            (LrFinderStop.Cancelled, _) => $"cancelled after {points.Count} steps",
            _ => $"completed all {sweep.Steps} steps without diverging",
        };

        var suggestions = LrFinderSuggestions.Suggest([.. points.Select(p => p.LearningRate)], [.. points.Select(p => p.SmoothedLoss)], sweep.Steps);
        var peakSuggestion = suggestions?.All.First(x => x.Name == sweep.Peak.SuggestionName());
        double? peak = peakSuggestion?.LearningRate;
        string? suggested = peak is { } v ? SchedulePresets.Spec(SchedulePresets.Default, options.Steps, v, options.Optimizer) : null;

        WriteCsv(Path.Combine(outputDirectory, CsvFile), points);
        var scheduleFile = Path.Combine(outputDirectory, ScheduleFile);
        if (suggested is not null)
        {
            RunDirectory.WriteAtomic(scheduleFile, JsonNode.Parse(suggested)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        else if (File.Exists(scheduleFile))
        {
            File.Delete(scheduleFile);
        }

        var result = new LrFinderResult(stop, message, points, suggestions, peak, suggested, options.Steps, outputDirectory, clock.Elapsed);
        WriteSummary(Path.Combine(outputDirectory, SummaryFile), result, options, sweep, spec, data.Source);
        return result;
    }

    private static void WriteCsv(string path, IReadOnlyList<LrFinderPoint> points)
    {
        var csv = new StringBuilder("step,lr,loss,smoothed_loss\n");
        foreach (var p in points)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{p.Step},{p.LearningRate:R},{p.Loss:R},{p.SmoothedLoss:R}\n");
        }

        RunDirectory.WriteAtomic(path, csv.ToString());
    }

    private static void WriteSummary(string path, LrFinderResult r, TrainingOptions options, LrFinderOptions sweep, string sweepSpec, string source)
    {
        LrFinderSuggestionPoint Point(LrSuggestion s) => new(s.LearningRate, s.Step, r.Points[s.Step].LearningRate, s.SmoothedLoss);
        var summary = new LrFinderSummary
        {
            Options = options,
            Sweep = new LrFinderSweep(sweep.StartLr, sweep.EndLr, sweep.Steps, sweep.StopOnDivergence, sweepSpec, LrFinderSuggestions.Beta, sweep.Peak),
            Data = source,
            Stop = r.Stop,
            Message = r.Message,
            StepsDone = r.Points.Count,
            Window = r.Suggestions is { } w ? [w.WindowStart, w.WindowEnd] : null,
            Suggestions = r.Suggestions is { } s ? new LrFinderSuggestionSet(Point(s.Valley), Point(s.Steep), Point(s.Minimum)) : null,
            SuggestedPeakLr = r.SuggestedPeak,
            SuggestedSchedule = r.SuggestedSchedule,
            SuggestedScheduleSteps = r.TrainingSteps,
            WallSeconds = r.Elapsed.TotalSeconds,
        };
        RunDirectory.WriteAtomic(path, RunJson.Serialize(summary));
    }
}
