using System.Diagnostics;
using System.Globalization;
using Anneal.Training.Data;
using Anneal.Training.Runs;
using Anneal.TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Anneal.Training;

/// <summary>Where a session starts: what <see cref="Trainer.Run"/>, <see cref="Trainer.Resume"/> and <see cref="Trainer.InitFrom"/> decided.</summary>
internal sealed record SessionPlan(RunDirectory Run, TrainingOptions Options, RunSchedule Schedule)
{
    /// <summary>The checkpoint whose weights and optimizer state to load, or null for fresh weights.</summary>
    public CheckpointInfo? Weights { get; init; }

    /// <summary>The scheduler state to load, or null for a fresh state at <see cref="StartStep"/>.</summary>
    public string? SchedulerState { get; init; }

    public int StartStep { get; init; }

    public long Tokens { get; init; }

    public string? CharVocabulary { get; init; }

    /// <summary>The CRC-64 of the prepared data's manifest recorded by the checkpoint continued from (<see cref="CheckpointHeader.DataManifestCrc64"/>), or null.</summary>
    public string? DataManifestCrc64 { get; init; }

    /// <summary>What names the run whose checkpoint this session continues (its data must be unchanged), or null for fresh weights.</summary>
    public TrainingOption? Continuing { get; init; }

    public DivergenceState? Divergence { get; init; }

    /// <summary>The checkpoint of this same run being resumed (its totals and evaluations go on), or null.</summary>
    public CheckpointHeader? Continues { get; init; }

    /// <summary>The run's rows before <see cref="StartStep"/> (a resumed run's; empty otherwise).</summary>
    public RunHistory History { get; init; } = RunHistory.Empty(2);

    public RunOrigin? Origin { get; init; }

    public IReadOnlyList<TrainingWarning> Warnings { get; init; } = [];

    /// <summary>Whether the <c>checkpoint.bin</c> on disk is healthy and whole, so the next checkpoint may rotate it to <c>checkpoint.prev.bin</c>.</summary>
    public bool ReplacedIsHealthy { get; init; } = true;
}

public static partial class Trainer
{
    private const int Groups = 2;

    private static TrainingResult Execute(SessionPlan plan, ITrainingProgress? progress, CancellationToken cancellation)
    {
        progress ??= NullProgress.Instance;
        var (run, options, schedule) = (plan.Run, plan.Options, plan.Schedule);
        options.Validate();
        var clock = Stopwatch.StartNew();

        // ---- data and model (RunSetup: the same for the experiments)
        using var data = LoadData(plan);
        using var prefetch = data.Corpus is not null ? new BatchPrefetch(data.Train, options) : null; // mapped shards: step s+1's windows read during step s
        var floor = data.EntropyFloorNatsPerToken;
        var device = RunSetup.ResolveDevice(options);
        var config = RunSetup.ModelConfig(options, data);
        using var model = RunSetup.CreateModel(options, config, device);

        // ---- optimizer, weights and schedule
        using var optimizer = CreateOptimizer(options, model);
        if (plan.Weights is { } weights)
        {
            CheckpointFile.LoadPayload(weights, reader =>
            {
                model.load(reader);
                optimizer.load_state_dict(reader);
            });
        }

        var tokensPerStep = options.TokensPerStep;
        var scheduler = CreateScheduler(schedule, optimizer, options, plan.SchedulerState, plan.StartStep);
        var needsMetric = schedule.Schedule.NeedsMetric;
        var lastStep = scheduler.MaxStep; // OneCycleLR's total_steps (in tokens, its last whole step): the LR stays there after it
        var start = plan.StartStep;
        var firstStep = plan.Origin?.Step ?? 0;
        var prior = plan.Continues;
        var rule = plan.Divergence is { } state ? new DivergenceRule(state) : new DivergenceRule();
        var tokens = plan.Tokens;
        double? lastVal = prior?.LastValLoss, bestVal = prior?.BestValLoss;
        int? bestStep = prior?.BestStep;
        int? checkpointStep = prior?.Step;
        var replacedIsHealthy = plan.ReplacedIsHealthy;
        (int Step, string File)? good = prior is { Healthy: true } ? (prior.Step, run.FilePath(RunDirectory.CheckpointFileName)) : null;
        if (prior is not null && !plan.ReplacedIsHealthy)
        {
            good = HealthyPrevious(run);
        }

        // ---- the run directory: run.json, metrics.csv and TensorBoard holding exactly the steps before `start`
        var horizon = schedule.HorizonSteps(tokensPerStep);
        Write(run.FilePath(RunDirectory.ManifestFile), () => run.WriteManifest(new RunManifest
        {
            Options = options,
            Schedule = schedule.Spec,
            Horizon = horizon,
            SchedulerSteps = needsMetric ? "once per optimizer step; reduce-on-plateau fed the validation loss at each evaluation" : "once per optimizer step",
            Model = config,
            Parameters = config.ParameterCount,
            ParameterGroups = ["weight matrices (weight decay)", "norms, biases, embeddings (no weight decay)"],
            Data = new RunData(data.Source, options.Tokenizer, data.Tokenizer.VocabularySize, data.Train.Count, data.Validation.Count, floor, data.UnigramNatsPerToken),
            PreparedData = data.Corpus is { } prepared ? new PreparedDataReference(prepared.Directory, prepared.ManifestCrc64, prepared.Manifest.Tokenizer) : null,
            TokensPerStep = tokensPerStep,
            InitFrom = plan.Origin,
        }), run, checkpointStep);
        MetricsLog? metrics = null;
        Write(run.FilePath(RunDirectory.MetricsFile), () => metrics = run.OpenMetrics(plan.History, Groups), run, checkpointStep);
        using var metricsLog = metrics!;
        TensorBoardLog? board = null;
        Write(run.FilePath(RunDirectory.TensorBoardFolder), () => board = TensorBoardLog.Open(run.Path, plan.History), run, checkpointStep);

        progress.Started(new RunInfo(start, options.Steps, config.ParameterCount, tokensPerStep, data.Source, config.VocabularySize, floor, data.UnigramNatsPerToken, schedule.Spec, run.Path,
            plan.Continues is null ? plan.Origin : null));
        foreach (var warning in plan.Warnings)
        {
            progress.Warned(warning);
        }

        // ---- the loop
        var status = TrainingStatus.Completed;
        string? message = null;
        DivergenceReport? divergence = null;
        var rows = new List<MetricRow>();
        var trainSeconds = 0.0;
        var sessionClock = Stopwatch.StartNew();
        var step = start;
        var parameters = model.parameters().ToArray();
        model.train();
        for (; step < options.Steps; step++)
        {
            if (cancellation.IsCancellationRequested)
            {
                status = TrainingStatus.Cancelled;
                break;
            }

            double[] lrs = [.. scheduler.LastLearningRates];
            var stepClock = Stopwatch.StartNew();
            if (step + 1 < options.Steps)
            {
                prefetch?.Start(step + 1);
            }

            var loss = TrainStep(model, parameters, optimizer, data, options, step, device, l => !rule.Diverges(l));
            if (rule.Diverges(loss))
            {
                status = TrainingStatus.Diverged;
                divergence = new DivergenceReport(step, lrs[0], loss, rule.Threshold, good?.Step, good is { } g ? Path.GetFileName(g.File) : null);
                message = string.Create(CultureInfo.InvariantCulture, $"{rule.Explain(loss)} at step {step} (lr {lrs[0]:G4}); the step was not applied; ") +
                          (good is { } k ? $"the last checkpoint before the loss exploded is '{k.File}' (after {k.Step} steps)" : "no checkpoint was written before it");
                break;
            }

            rule.Add(loss);
            var seconds = stepClock.Elapsed.TotalSeconds;
            trainSeconds += seconds;
            tokens += tokensPerStep;

            double? val = null;
            if ((step + 1) % options.EvalEvery == 0 || step == options.Steps - 1)
            {
                val = Evaluate(model, data.Validation, options, device);
                lastVal = val;
                if (bestVal is null || val < bestVal)
                {
                    (bestVal, bestStep) = (val, step);
                }
            }

            var row = new MetricRow(step, tokens, lrs, loss, val, Math.Round(tokensPerStep / seconds, 1)); // as metrics.csv holds it
            rows.Add(row);
            Write(metricsLog.Path, () =>
            {
                metricsLog.Append(row);
                if (val is not null)
                {
                    metricsLog.Flush();
                }
            }, run, checkpointStep);
            Write(run.FilePath(RunDirectory.TensorBoardFolder), () => board!.Write(row), run, checkpointStep);

            var done = step - start + 1;
            var eta = TimeSpan.FromSeconds(sessionClock.Elapsed.TotalSeconds / done * (options.Steps - step - 1));
            progress.Stepped(new StepReport(step, options.Steps, tokens, loss, lrs, tokensPerStep / seconds, eta));
            if (val is { } v)
            {
                progress.Evaluated(step, v);
            }

            if (lastStep is not { } max || scheduler.StepCount < max)
            {
                if (!needsMetric)
                {
                    scheduler.Step();
                }
                else if (val is { } metric)
                {
                    scheduler.Step(metric);
                }
                else
                {
                    scheduler.StepWithoutMetric();
                }
            }

            if ((options.CheckpointEvery > 0 && (step + 1) % options.CheckpointEvery == 0) || step == options.Steps - 1)
            {
                SaveCheckpoint(step + 1);
            }
        }

        if (status == TrainingStatus.Cancelled && step > start && checkpointStep != step)
        {
            SaveCheckpoint(step);
        }

        Write(metricsLog.Path, metricsLog.Flush, run, checkpointStep);
        var stepsTrained = (status == TrainingStatus.Completed ? options.Steps : step) - firstStep;
        var totalTrain = (prior?.TrainSeconds ?? 0) + trainSeconds;
        var throughput = totalTrain > 0 ? (double)stepsTrained * tokensPerStep / totalTrain : 0;
        var summary = new RunSummary
        {
            Status = status,
            Message = message,
            StepsDone = step,
            TotalSteps = options.Steps,
            Tokens = tokens,
            FinalValLoss = lastVal,
            BestValLoss = bestVal,
            BestStep = bestStep,
            EntropyFloorNatsPerToken = floor,
            ExcessLoss = lastVal - floor,
            BestExcessLoss = bestVal - floor,
            UnigramNatsPerToken = data.UnigramNatsPerToken,
            TokensPerSecond = throughput,
            GflopsPerSecond = throughput * config.TrainingFlopsPerToken / 1e9,
            TrainSeconds = totalTrain,
            WallSeconds = (prior?.WallSeconds ?? 0) + clock.Elapsed.TotalSeconds,
            Sessions = (prior?.Sessions ?? 0) + 1,
            Divergence = divergence,
        };
        Write(run.FilePath(RunDirectory.SummaryFile), () => run.WriteSummary(summary), run, checkpointStep);
        return new TrainingResult(status, summary, plan.History.Append(rows), run.Path, message, start, clock.Elapsed);

        void SaveCheckpoint(int next)
        {
            Write(metricsLog.Path, metricsLog.Flush, run, checkpointStep);
            var healthy = rule.Healthy;
            var header = new CheckpointHeader
            {
                Step = next,
                Tokens = tokens,
                Options = options,
                Schedule = schedule.Spec,
                SchedulerState = SchedulerStateJson.Write(scheduler),
                CharVocabulary = (data.Tokenizer as CharTokenizer)?.Vocabulary,
                DataManifestCrc64 = data.Corpus?.ManifestCrc64,
                LastValLoss = lastVal,
                BestValLoss = bestVal,
                BestStep = bestStep,
                Divergence = rule.State,
                Healthy = healthy,
                TrainSeconds = (prior?.TrainSeconds ?? 0) + trainSeconds,
                WallSeconds = (prior?.WallSeconds ?? 0) + clock.Elapsed.TotalSeconds,
                Sessions = (prior?.Sessions ?? 0) + 1,
                InitFrom = plan.Origin,
            };
            var latest = run.FilePath(RunDirectory.CheckpointFileName);
            Write(latest + ".tmp", () => run.SaveCheckpoint(header, w =>
            {
                model.save(w);
                optimizer.save_state_dict(w);
            }, replacedIsHealthy), run, checkpointStep);
            if (healthy)
            {
                good = (next, latest);
            }
            else if (replacedIsHealthy && good is { } g)
            {
                good = (g.Step, run.FilePath(RunDirectory.PreviousCheckpointFileName)); // it was just rotated there
            }

            replacedIsHealthy = healthy;
            checkpointStep = next;
            progress.CheckpointSaved(next, latest);
        }
    }

    /// <summary>The session's data; a checkpoint's data must be unchanged (an error about the run it continues).</summary>
    private static TextData LoadData(SessionPlan plan)
    {
        try
        {
            return RunSetup.LoadData(plan.Options, plan.CharVocabulary, plan.DataManifestCrc64);
        }
        catch (TrainingInputException e) when (plan.Continuing is { } continuing)
        {
            throw e.About(continuing);
        }
    }

    /// <summary>The scheduler over the optimizer's groups at the run's base learning rate, in the saved state or a fresh one at <paramref name="startStep"/>.</summary>
    private static Scheduler CreateScheduler(RunSchedule schedule, OptimizerHelper optimizer, TrainingOptions options, string? state, int startStep)
    {
        try
        {
            var groups = optimizer.GetParamGroups();
            var scheduler = new Scheduler(schedule.Schedule, groups, [.. groups.Select(_ => options.LearningRate)], options.TokensPerStep);
            if (state is not null)
            {
                scheduler.LoadState(SchedulerStateJson.Read(state, schedule.Schedule));
            }
            else if (startStep > 0)
            {
                scheduler.LoadState(scheduler.GetState() with { Step = startStep });
            }

            return scheduler;
        }
        catch (ArgumentException e)
        {
            throw new TrainingInputException(TrainingOption.Schedule, ": " + e.Message);
        }
    }

    /// <summary><c>checkpoint.prev.bin</c> as the last good checkpoint, when it is whole and healthy.</summary>
    private static (int Step, string File)? HealthyPrevious(RunDirectory run)
    {
        var previous = run.FilePath(RunDirectory.PreviousCheckpointFileName);
        return File.Exists(previous) && RunDirectory.Check(previous).Checkpoint is { Header.Healthy: true } c ? (c.Header.Step, previous) : null;
    }

    /// <summary>Runs a write; an I/O failure becomes a <see cref="TrainingFaultException"/> naming <paramref name="path"/>.</summary>
    private static void Write(string path, Action write, RunDirectory run, int? checkpointStep)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fault(path, e, run, checkpointStep);
        }
    }

    private static TrainingFaultException Fault(string path, Exception e, RunDirectory run, int? checkpointStep)
    {
        // .NET's messages end with " : 'PATH'" on Unix; the path is named once, first.
        var cause = e.Message;
        var at = cause.IndexOf(" : '", StringComparison.Ordinal);
        cause = at > 0 ? cause[..at] : cause;
        if (checkpointStep is null && run.HasCheckpoint)
        {
            checkpointStep = RunDirectory.Check(run.FilePath(RunDirectory.CheckpointFileName)).Checkpoint?.Header.Step;
        }

        return new TrainingFaultException(path, cause.TrimEnd('.'), run.Path, checkpointStep, e);
    }
}
