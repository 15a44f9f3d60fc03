using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Data;
using Anneal.TorchSharp;
using static TorchSharp.torch;

namespace Anneal.Training.Experiments;

/// <summary>The sweep of an LR range test; the model, data and optimizer come from <see cref="TrainingOptions"/>.</summary>
public sealed record LrFinderOptions
{
    /// <summary>The learning rate of step 0 (fastai: 1e-7).</summary>
    public double StartLr { get; init; } = 1e-7;

    /// <summary>The learning rate the sweep approaches: step <c>Steps</c> would run at it (fastai: 10).</summary>
    public double EndLr { get; init; } = 10;

    /// <summary>Steps of the sweep (fastai: 100); the sweep stops earlier when the loss diverges.</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Stop once the smoothed loss exceeds 4 × its minimum (fastai's <c>stop_div</c>); NaN or infinity always stops.</summary>
    public bool StopOnDivergence { get; init; } = true;

    /// <summary>
    /// The suggestion used as the peak of the suggested schedule: <c>steep</c> (the default), <c>valley</c> (fastai's
    /// default) or <c>minimum</c> (minimum/10). Steep is the default here because on the default GPT and corpus the
    /// valley rule picked about 1e-4, 20-30x below the peak that trains best (3e-3, which steep and minimum/10 both
    /// suggest): a language model keeps learning during the sweep, so its loss falls over several decades of LR and
    /// the middle of that long valley is far too low.
    /// </summary>
    public string Peak { get; init; } = "steep";

    /// <summary>The values <see cref="Peak"/> accepts.</summary>
    public static IReadOnlyList<string> PeakRules { get; } = ["valley", "steep", "minimum"];

    /// <summary>The most steps a sweep may have (the valley rule is quadratic in the steps).</summary>
    public const int MaxSteps = 10_000;

    /// <summary>Checks the sweep; all problems are gathered into one message.</summary>
    /// <exception cref="TrainingInputException">A value is out of range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        var startOk = PositiveFinite(StartLr, "--start-lr", errors);
        var endOk = PositiveFinite(EndLr, "--end-lr", errors);
        if (startOk && endOk && StartLr >= EndLr)
        {
            errors.Add($"--start-lr must be less than --end-lr (was {Show(StartLr)} and {Show(EndLr)})");
        }

        if (Steps < 10)
        {
            errors.Add($"--steps must be >= 10 (was {Steps})");
        }
        else if (Steps > MaxSteps)
        {
            errors.Add($"--steps must be <= {MaxSteps} (was {Steps})");
        }

        if (!PeakRules.Contains(Peak))
        {
            errors.Add($"--peak must be valley, steep or minimum (was '{Peak}')");
        }

        if (errors.Count > 0)
        {
            throw new TrainingInputException(string.Join("; ", errors));
        }
    }

    /// <summary>
    /// The sweep as an Anneal schedule: <see cref="ExponentialLR"/> with <c>gamma = (EndLr / StartLr)^(1 / Steps)</c>,
    /// driven from a base learning rate of <see cref="StartLr"/>, so step i runs at
    /// <c>StartLr · (EndLr / StartLr)^(i / Steps)</c>: <c>StartLr</c> at step 0, and the last step (<c>Steps - 1</c>) at
    /// <c>EndLr / gamma</c>, just below <c>EndLr</c> (fastai's <c>SchedExp</c> at <c>train_iter / num_it</c>).
    /// </summary>
    public ExponentialLR Schedule() => new(Math.Pow(EndLr / StartLr, 1.0 / Steps));

    private static bool PositiveFinite(double value, string name, List<string> errors)
    {
        if (value > 0 && double.IsFinite(value))
        {
            return true;
        }

        errors.Add($"{name} must be a finite number > 0 (was {Show(value)})");
        return false;
    }

    internal static string Show(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}

/// <summary>Why a sweep ended.</summary>
public enum LrFinderStop
{
    /// <summary>All steps were taken.</summary>
    Completed,

    /// <summary>The smoothed loss exceeded 4 × its minimum.</summary>
    Diverged,

    /// <summary>The training loss became NaN or infinite; that step was not applied.</summary>
    NonFiniteLoss,

    /// <summary>Cancelled (Ctrl-C).</summary>
    Cancelled,
}

/// <summary>One recorded step of a sweep.</summary>
/// <param name="Step">The step (0-based).</param>
/// <param name="LearningRate">The learning rate the step ran at.</param>
/// <param name="Loss">The step's training loss (nats per token).</param>
/// <param name="SmoothedLoss">The bias-corrected moving average of the losses so far (<see cref="LossSmoother"/>); NaN for a non-finite loss.</param>
public sealed record LrFinderPoint(int Step, double LearningRate, double Loss, double SmoothedLoss);

/// <summary>The outcome of an LR range test.</summary>
/// <param name="Stop">Why the sweep ended.</param>
/// <param name="Message">One line saying why and where it stopped.</param>
/// <param name="Points">Every recorded step.</param>
/// <param name="Suggestions">The suggestions, or null when the sweep diverged before the analysis window held 2 steps.</param>
/// <param name="SuggestedPeak">The peak learning rate of the suggested schedule (the <see cref="LrFinderOptions.Peak"/> suggestion, by default the valley), or null.</param>
/// <param name="SuggestedSchedule">The suggested schedule's JSON spec (multiplies <c>--lr</c> = the peak), or null.</param>
/// <param name="TrainingSteps">The steps of the training run the suggested schedule is written for.</param>
/// <param name="OutputDirectory">Where the files were written.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record LrFinderResult(
    LrFinderStop Stop,
    string Message,
    IReadOnlyList<LrFinderPoint> Points,
    LrSuggestions? Suggestions,
    double? SuggestedPeak,
    string? SuggestedSchedule,
    int TrainingSteps,
    string OutputDirectory,
    TimeSpan Elapsed);

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
/// <para><b>Suggested schedule.</b> The peak is the valley suggestion (fastai's default; <see cref="LrFinderOptions.Peak"/>
/// picks another); the schedule is the
/// <see cref="SchedulePresets.Default"/> preset, linear warmup over 5% of <c>TrainingOptions.Steps</c> then cosine decay
/// to a tenth of the peak (<c>cosine_with_min_lr</c>, nanoGPT's and most LLM recipes' shape), i.e. exactly what
/// <c>anneal train --lr PEAK --steps N</c> runs by default. Its spec multiplies the base learning rate, so the peak is
/// given as <c>--lr</c>.</para>
/// <para><b>Files</b> in the output directory: <c>lr_find.csv</c> (step, lr, loss, smoothed_loss), <c>lr_find.png</c>,
/// <c>lr_find.json</c> (options, stop, suggestions) and <c>suggested_schedule.json</c> (only when there are suggestions).</para>
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

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Runs the sweep and writes its files into <paramref name="outputDirectory"/> (created; files there are replaced).</summary>
    /// <exception cref="TrainingInputException">Bad options or data: the message is one line for the user.</exception>
    public static LrFinderResult Run(TrainingOptions options, LrFinderOptions sweep, string outputDirectory, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        sweep.Validate();
        options.Validate();
        progress ??= NullProgress.Instance;
        var clock = Stopwatch.StartNew();

        var data = RunSetup.LoadData(options);
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
            var loss = Trainer.TrainStep(model, parameters, optimizer, data, options, step, device);
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
        var peakSuggestion = suggestions?.All.First(x => x.Name.StartsWith(sweep.Peak, StringComparison.Ordinal));
        double? peak = peakSuggestion?.LearningRate;
        string? suggested = peak is { } v ? SchedulePresets.Spec(SchedulePresets.Default, options.Steps, v, options.Optimizer != "adagrad") : null;

        WriteCsv(Path.Combine(outputDirectory, CsvFile), points);
        LrFinderPlot.Save(Path.Combine(outputDirectory, PlotFile), points, suggestions, sweep);
        var scheduleFile = Path.Combine(outputDirectory, ScheduleFile);
        if (suggested is not null)
        {
            File.WriteAllText(scheduleFile, JsonNode.Parse(suggested)!.ToJsonString(Indented) + "\n");
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

        File.WriteAllText(path, csv.ToString(), new UTF8Encoding(false));
    }

    private static void WriteSummary(string path, LrFinderResult r, TrainingOptions options, LrFinderOptions sweep, string sweepSpec, string source)
    {
        JsonNode? Suggestion(LrSuggestion s) => new JsonObject
        {
            ["lr"] = s.LearningRate,
            ["step"] = s.Step,
            ["lr_at_step"] = r.Points[s.Step].LearningRate,
            ["smoothed_loss"] = s.SmoothedLoss,
        };

        var summary = new JsonObject
        {
            ["format"] = "anneal.find-lr/1",
            ["options"] = JsonSerializer.SerializeToNode(options),
            ["sweep"] = new JsonObject
            {
                ["start_lr"] = sweep.StartLr,
                ["end_lr"] = sweep.EndLr,
                ["steps"] = sweep.Steps,
                ["stop_on_divergence"] = sweep.StopOnDivergence,
                ["schedule"] = JsonNode.Parse(sweepSpec),
                ["smoothing_beta"] = LrFinderSuggestions.Beta,
                ["peak_rule"] = sweep.Peak,
            },
            ["data"] = source,
            ["stop"] = r.Stop switch
            {
                LrFinderStop.NonFiniteLoss => "non_finite_loss",
                var s => s.ToString().ToLowerInvariant(),
            },
            ["message"] = r.Message,
            ["steps_done"] = r.Points.Count,
            ["window"] = r.Suggestions is { } w ? new JsonArray(w.WindowStart, w.WindowEnd) : null,
            ["suggestions"] = r.Suggestions is { } s2
                ? new JsonObject { ["valley"] = Suggestion(s2.Valley), ["steep"] = Suggestion(s2.Steep), ["minimum/10"] = Suggestion(s2.Minimum) }
                : null,
            ["suggested_peak_lr"] = r.SuggestedPeak,
            ["suggested_schedule"] = r.SuggestedSchedule is { } spec ? JsonNode.Parse(spec) : null,
            ["suggested_schedule_steps"] = r.TrainingSteps,
            ["wall_seconds"] = r.Elapsed.TotalSeconds,
        };
        File.WriteAllText(path, summary.ToJsonString(Indented) + "\n");
    }
}
