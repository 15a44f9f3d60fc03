using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Data;
using Anneal.Training.Model;
using Anneal.TorchSharp;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Anneal.Training;

/// <summary>
/// The training loop, flat like nanoGPT's <c>train.py</c>: data, model, optimizer, scheduler, then one loop of steps.
/// </summary>
/// <remarks>
/// <para><b>Learning rate.</b> The <see cref="Scheduler"/> is bound to the optimizer's two parameter groups (weight
/// matrices with weight decay, everything else without) and has written step <c>s</c>'s values before step <c>s</c>
/// runs: step 0 uses the schedule's value at 0. After the optimizer step the scheduler steps once.</para>
/// <para><b>Reduce-on-plateau.</b> The scheduler steps once per optimizer step for every schedule, so warmups, milestones
/// and horizons always count optimizer steps. A schedule that contains <c>ReduceLROnPlateau</c> is fed the validation
/// loss on evaluation steps (<c>Step(val_loss)</c>, as PyTorch's <c>scheduler.step(val_loss)</c> once per epoch) and
/// nothing on the others (<c>StepWithoutMetric()</c>), so its patience and cooldown count evaluations: feeding it every
/// step with a stale validation loss would count one unchanged evaluation as many bad epochs. A warmup in front of it
/// (<c>warmup-plateau</c>) therefore ramps per step and the plateau sees the evaluations after the warmup.</para>
/// <para><b>Schedules in tokens.</b> The scheduler is told the tokens per step (batch size × context × gradient
/// accumulation), so a <c>tokens</c> schedule gives the same learning rate at the same token count whatever the batch.</para>
/// <para><b>Determinism.</b> The weights come from <c>torch.manual_seed(seed)</c>; batch b of micro-step m of step s
/// starts at offsets drawn from a SplitMix64 stream seeded by (seed, s, m), so the data position is just the step and
/// resuming needs no saved generator; validation always uses the same batches. With dropout 0 (the default) nothing
/// else is random.</para>
/// <para><b>Failure.</b> A NaN or infinite training loss stops the run before the optimizer applies that step's
/// gradients; the last checkpoint written (from an earlier, finite step) is kept.</para>
/// </remarks>
public static partial class Trainer
{
    private const string Format = "anneal.train/1";

    /// <summary>Trains a new run into <paramref name="outputDirectory"/>.</summary>
    /// <exception cref="TrainingInputException">Bad options, data or schedule: the message is one line for the user.</exception>
    public static TrainingResult Run(TrainingOptions options, string outputDirectory, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        if (Checkpoint.Exists(outputDirectory))
        {
            throw new TrainingInputException($"--out: '{outputDirectory}' already holds a run (checkpoint.bin); use --resume {outputDirectory} to continue it or choose another directory");
        }

        return Execute(options, outputDirectory, null, progress ?? NullProgress.Instance, cancellation);
    }

    /// <summary>
    /// Continues the run in <paramref name="directory"/> from its checkpoint with the options it was started with;
    /// <paramref name="steps"/> may raise the step count.
    /// </summary>
    /// <exception cref="TrainingInputException">No checkpoint, or it cannot be read.</exception>
    public static TrainingResult Resume(string directory, int? steps = null, string? device = null, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Checkpoint.Exists(directory))
        {
            throw new TrainingInputException($"--resume: '{directory}' has no checkpoint.bin");
        }

        var header = Checkpoint.ReadHeader(directory);
        if (header["format"]?.GetValue<string>() != Format)
        {
            throw new TrainingInputException($"--resume: checkpoint in '{directory}' has an unknown format");
        }

        var options = header["options"].Deserialize<TrainingOptions>() ?? throw new TrainingInputException("--resume: checkpoint has no options");
        options = options with { Steps = steps ?? options.Steps, Device = device ?? options.Device };
        return Execute(options, directory, header, progress ?? NullProgress.Instance, cancellation);
    }

    private static TrainingResult Execute(TrainingOptions options, string outDir, JsonObject? resume, ITrainingProgress progress, CancellationToken cancellation)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();

        // ---- data and model (RunSetup: the same for the experiments)
        var data = RunSetup.LoadData(options, resume?["char_vocabulary"]?.GetValue<string>());
        var floor = data.EntropyFloorNatsPerToken;
        var source = data.Source;
        var device = RunSetup.ResolveDevice(options);
        var config = RunSetup.ModelConfig(options, data);
        using var model = RunSetup.CreateModel(options, config, device);

        // ---- optimizer and schedule
        using var optimizer = CreateOptimizer(options, model);
        var hasMomentum = options.Optimizer != "adagrad";
        Schedule schedule;
        string spec;
        if (resume is null)
        {
            (schedule, spec) = SchedulePresets.Resolve(options.Schedule, options.Steps, options.LearningRate, hasMomentum);
        }
        else
        {
            spec = resume["schedule"]!.GetValue<string>();
            schedule = ScheduleSpec.Parse(spec);
        }

        var tokensPerStep = options.TokensPerStep;
        Scheduler scheduler;
        try
        {
            scheduler = optimizer.CreateScheduler(schedule, tokensPerStep);
        }
        catch (ScheduleArgumentException e)
        {
            throw new TrainingInputException($"--schedule: {e.Message}");
        }

        var startStep = 0;
        long tokens = 0;
        double? bestVal = null, lastVal = null;
        int? bestStep = null;
        if (resume is not null)
        {
            Checkpoint.LoadWeights(outDir, model, optimizer);
            scheduler.LoadState(SchedulerStateJson.Read(resume["scheduler"]!.GetValue<string>(), schedule));
            startStep = resume["next_step"]!.GetValue<int>();
            tokens = resume["tokens"]!.GetValue<long>();
            bestVal = resume["best_val_loss"]?.GetValue<double>();
            bestStep = resume["best_step"]?.GetValue<int>();
            lastVal = resume["last_val_loss"]?.GetValue<double>();
        }

        var needsMetric = schedule.NeedsMetric;
        // The last step the schedule is defined for (OneCycleLR's total_steps; in tokens, its last whole step); the LR stays there after it.
        var lastStep = scheduler.MaxStep;
        using var writer = new RunWriter(outDir, 2, startStep);
        writer.WriteJson("run.json", new JsonObject
        {
            ["format"] = Format,
            ["options"] = JsonSerializer.SerializeToNode(options),
            ["schedule"] = JsonNode.Parse(spec),
            ["scheduler_steps"] = needsMetric ? "once per optimizer step; reduce-on-plateau fed the validation loss at each evaluation" : "once per optimizer step",
            ["model"] = JsonSerializer.SerializeToNode(config),
            ["parameters"] = config.ParameterCount,
            ["parameter_groups"] = new JsonArray("weight matrices (weight decay)", "norms, biases, embeddings (no weight decay)"),
            ["data"] = source,
            ["tokenizer"] = data.Tokenizer.Name,
            ["vocabulary_size"] = data.Tokenizer.VocabularySize,
            ["train_tokens"] = data.Train.Length,
            ["validation_tokens"] = data.Validation.Length,
            ["tokens_per_step"] = tokensPerStep,
            ["entropy_floor_nats_per_token"] = floor,
            ["unigram_nats_per_token"] = data.UnigramNatsPerToken,
            ["device"] = options.Device,
            ["resumed_at_step"] = startStep,
        });
        progress.Started(new RunInfo(startStep, options.Steps, config.ParameterCount, tokensPerStep, source, config.VocabularySize, floor, data.UnigramNatsPerToken, spec, outDir));

        // ---- the loop
        var status = TrainingStatus.Completed;
        string? message = null;
        var trainSeconds = 0.0;
        var sessionClock = Stopwatch.StartNew();
        var sessionSteps = 0;
        var step = startStep;
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
            var loss = TrainStep(model, parameters, optimizer, data, options, step, device);
            if (!double.IsFinite(loss))
            {
                status = TrainingStatus.Diverged;
                var kept = Checkpoint.Exists(outDir) ? $"the last good checkpoint ({Path.Combine(outDir, Checkpoint.FileName)}) is kept" : "no checkpoint had been written yet";
                message = $"training loss became {loss} at step {step} (lr {lrs[0]:G4}); stopped before applying the step; {kept}";
                break;
            }

            var seconds = stepClock.Elapsed.TotalSeconds;
            trainSeconds += seconds;
            tokens += tokensPerStep;
            sessionSteps++;

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

            var eta = TimeSpan.FromSeconds(sessionClock.Elapsed.TotalSeconds / sessionSteps * (options.Steps - step - 1));
            var report = new StepReport(step, options.Steps, tokens, loss, lrs, tokensPerStep / seconds, eta);
            writer.Row(report, val);
            progress.Stepped(report);
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

        if (status == TrainingStatus.Cancelled && step > startStep)
        {
            SaveCheckpoint(step);
        }

        writer.Flush();
        var throughput = trainSeconds > 0 ? (tokens - ((long)startStep * tokensPerStep)) / trainSeconds : 0;
        writer.WriteJson("summary.json", new JsonObject
        {
            ["status"] = status.ToString().ToLowerInvariant(),
            ["message"] = message,
            ["steps_done"] = step,
            ["total_steps"] = options.Steps,
            ["tokens"] = tokens,
            ["final_val_loss"] = lastVal,
            ["best_val_loss"] = bestVal,
            ["best_step"] = bestStep,
            ["entropy_floor_nats_per_token"] = floor,
            ["excess_loss"] = lastVal is { } lv && floor is { } f ? lv - f : null,
            ["best_excess_loss"] = bestVal is { } bv && floor is { } f2 ? bv - f2 : null,
            ["unigram_nats_per_token"] = data.UnigramNatsPerToken,
            ["tokens_per_second"] = throughput,
            ["gflops_per_second"] = throughput * config.TrainingFlopsPerToken / 1e9,
            ["train_seconds"] = trainSeconds,
            ["wall_seconds"] = clock.Elapsed.TotalSeconds,
        });
        writer.Plot(floor, data.UnigramNatsPerToken);
        return new TrainingResult(status, step, lastVal, bestVal, bestStep, floor, data.UnigramNatsPerToken, throughput, clock.Elapsed, outDir, message,
            [.. writer.TrainLosses], [.. writer.LearningRates]);

        void SaveCheckpoint(int nextStep)
        {
            writer.Flush();
            Checkpoint.Save(outDir, new JsonObject
            {
                ["format"] = Format,
                ["next_step"] = nextStep,
                ["tokens"] = tokens,
                ["options"] = JsonSerializer.SerializeToNode(options),
                ["schedule"] = spec,
                ["scheduler"] = SchedulerStateJson.Write(scheduler),
                ["char_vocabulary"] = (data.Tokenizer as CharTokenizer)?.Vocabulary,
                ["best_val_loss"] = bestVal,
                ["best_step"] = bestStep,
                ["last_val_loss"] = lastVal,
            }, model, optimizer);
            progress.CheckpointSaved(nextStep, Path.Combine(outDir, Checkpoint.FileName));
        }
    }

    /// <summary>The optimizer over the model's two parameter groups (decay, no decay), both at the base learning rate.</summary>
    internal static OptimizerHelper CreateOptimizer(TrainingOptions o, Gpt model)
    {
        var (decay, noDecay) = model.ParameterGroups();
        var lr = o.LearningRate;
        return o.Optimizer switch
        {
            "sgd" => optim.SGD(
                [new SGD.ParamGroup(decay, lr: lr, momentum: o.Momentum, weight_decay: o.WeightDecay), new SGD.ParamGroup(noDecay, lr: lr, momentum: o.Momentum)],
                lr, o.Momentum),
            "adam" => optim.Adam(
                [new Adam.ParamGroup(decay, lr: lr, beta1: o.Beta1, beta2: o.Beta2, weight_decay: o.WeightDecay), new Adam.ParamGroup(noDecay, lr: lr, beta1: o.Beta1, beta2: o.Beta2)],
                lr, o.Beta1, o.Beta2),
            "adamw" => optim.AdamW(
                [new AdamW.ParamGroup(decay, lr: lr, beta1: o.Beta1, beta2: o.Beta2, weight_decay: o.WeightDecay), new AdamW.ParamGroup(noDecay, lr: lr, beta1: o.Beta1, beta2: o.Beta2, weight_decay: 0)],
                lr, o.Beta1, o.Beta2),
            "rmsprop" => optim.RMSProp(
                [new RMSProp.ParamGroup(decay, lr: lr, momentum: o.Momentum, weight_decay: o.WeightDecay), new RMSProp.ParamGroup(noDecay, lr: lr, momentum: o.Momentum)],
                lr, momentum: o.Momentum),
            "adagrad" => optim.Adagrad(
                [new Adagrad.ParamGroup(decay, lr: lr, weight_decay: o.WeightDecay), new Adagrad.ParamGroup(noDecay, lr: lr)],
                lr),
            _ => throw new TrainingInputException($"--optimizer must be sgd, adam, adamw, rmsprop or adagrad (was '{o.Optimizer}')"),
        };
    }

    /// <summary>
    /// One optimizer step of <c>anneal train</c> (and of the LR range test): zero the gradients, run the micro-batches of
    /// step <paramref name="step"/> (a SplitMix64 stream per seed, step and micro-step, so batches are a pure function of
    /// them), clip, and step the optimizer. Returns the mean training loss; when it is not finite the step is not applied.
    /// </summary>
    internal static double TrainStep(Gpt model, Parameter[] parameters, optim.Optimizer optimizer, TextData data, TrainingOptions options, int step, Device device)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        double loss = 0;
        for (var micro = 0; micro < options.GradientAccumulation; micro++)
        {
            var rng = new SplitMix64(SplitMix64.Mix(SplitMix64.Mix((ulong)options.Seed) + (ulong)((step * (long)options.GradientAccumulation) + micro)));
            var (x, y) = Batch(data.Train, options.BatchSize, options.Context, ref rng, device);
            var logits = model.forward(x);
            var microLoss = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), y.view(-1));
            (microLoss / options.GradientAccumulation).backward();
            loss += microLoss.item<float>() / options.GradientAccumulation;
        }

        if (!double.IsFinite(loss))
        {
            return loss;
        }

        if (options.GradientClip > 0)
        {
            nn.utils.clip_grad_norm_(parameters, options.GradientClip);
        }

        optimizer.step();
        return loss;
    }

    /// <summary>A batch of <paramref name="batch"/> sequences of <paramref name="context"/> tokens and their next tokens.</summary>
    internal static (Tensor X, Tensor Y) Batch(int[] tokens, int batch, int context, ref SplitMix64 rng, Device device)
    {
        var xs = new long[batch * context];
        var ys = new long[batch * context];
        for (var b = 0; b < batch; b++)
        {
            var offset = (int)rng.NextInt64(tokens.Length - context);
            for (var t = 0; t < context; t++)
            {
                xs[(b * context) + t] = tokens[offset + t];
                ys[(b * context) + t] = tokens[offset + t + 1];
            }
        }

        return (tensor(xs, [batch, context], device: device), tensor(ys, [batch, context], device: device));
    }

    private static double Evaluate(Gpt model, int[] validation, TrainingOptions options, Device device)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var rng = new SplitMix64(SplitMix64.Mix((ulong)options.Seed ^ 0xE7A1_0000_0000_0001UL));
        double total = 0;
        for (var i = 0; i < options.EvalBatches; i++)
        {
            var (x, y) = Batch(validation, options.BatchSize, options.Context, ref rng, device);
            var logits = model.forward(x);
            total += nn.functional.cross_entropy(logits.view(-1, model.Config.VocabularySize), y.view(-1)).item<float>();
        }

        model.train();
        return total / options.EvalBatches;
    }
}
