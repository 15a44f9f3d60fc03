using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Data;

namespace Anneal.Training;

public static partial class Trainer
{
    /// <summary>
    /// Starts a new run in <paramref name="outputDirectory"/> that continues the run whose checkpoint is in
    /// <paramref name="checkpointDirectory"/> under another schedule, for <paramref name="moreSteps"/> more steps: the
    /// weights, optimizer state (Adam's moments and step counts), token count, data position and every other option are
    /// the checkpoint's; only the schedule and the step count change. This is how warmup-stable-decay branches a cooldown
    /// off a long stable run.
    /// </summary>
    /// <remarks>
    /// <para><b>Steps.</b> The step counter goes on from the checkpoint's step k: the branch takes steps k .. k + N - 1,
    /// so its run is <c>k + N</c> steps long, and its batches are those a run from scratch would see at those steps.</para>
    /// <para><b>Schedule.</b> <paramref name="schedule"/> (a JSON spec, a spec file or a preset, whose horizon is then
    /// <c>k + N</c>) is evaluated at the global step: step k runs at <c>S(k)</c>, not <c>S(0)</c>. So a branch under a
    /// <c>warmup_stable_decay</c> spec with <c>num_training_steps = T</c>, taken from a run whose learning rates up to k
    /// were that spec's, has the learning rates of an uninterrupted run of that spec at every step. A reduce-on-plateau
    /// in the new schedule starts with a fresh state.</para>
    /// <para><b>The new run</b> is an ordinary run directory: its checkpoint holds the new schedule, so
    /// <see cref="Resume"/> continues it; <c>metrics.csv</c> has rows from step k on; <c>branch.json</c> names the source.</para>
    /// </remarks>
    /// <exception cref="TrainingInputException">No checkpoint in the source, the output already holds a run, <paramref name="moreSteps"/> &lt; 1, or the schedule is invalid or ends before step k.</exception>
    public static TrainingResult Branch(string checkpointDirectory, string outputDirectory, string schedule, int moreSteps, ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(schedule);
        if (!Checkpoint.Exists(checkpointDirectory))
        {
            throw new TrainingInputException($"branch: '{checkpointDirectory}' has no {Checkpoint.FileName}");
        }

        if (Checkpoint.Exists(outputDirectory))
        {
            throw new TrainingInputException($"branch: '{outputDirectory}' already holds a run ({Checkpoint.FileName}); resume it or choose another directory");
        }

        if (moreSteps < 1)
        {
            throw new TrainingInputException($"branch: the number of more steps must be >= 1 (was {moreSteps})");
        }

        var source = Checkpoint.ReadHeader(checkpointDirectory);
        if (source["format"]?.GetValue<string>() != Format)
        {
            throw new TrainingInputException($"branch: checkpoint in '{checkpointDirectory}' has an unknown format");
        }

        var start = source["next_step"]!.GetValue<int>();
        var options = source["options"].Deserialize<TrainingOptions>() ?? throw new TrainingInputException("branch: checkpoint has no options");
        options = options with { Schedule = schedule, Steps = start + moreSteps };
        options.Validate();
        var (parsed, spec) = SchedulePresets.Resolve(schedule, options.Steps, options.LearningRate, options.Optimizer != "adagrad");

        // The new schedule's scheduler state at step k: a fresh state (plateaus included) whose counter is k. Built on
        // stand-in groups like the optimizer's two (same base learning rate, same kind of momentum) so bad specs fail here.
        var kind = options.Optimizer switch
        {
            "sgd" or "rmsprop" => MomentumKind.Momentum,
            "adam" or "adamw" => MomentumKind.Beta1,
            _ => MomentumKind.None,
        };
        var momentum = kind == MomentumKind.Beta1 ? options.Beta1 : options.Momentum;
        string state;
        try
        {
            var scheduler = new Scheduler(parsed, [new ParamGroup(options.LearningRate, kind, momentum), new ParamGroup(options.LearningRate, kind, momentum)], null, options.TokensPerStep);
            scheduler.LoadState(scheduler.GetState() with { Step = start });
            state = SchedulerStateJson.Write(scheduler);
        }
        catch (ArgumentException e)
        {
            throw new TrainingInputException($"--schedule: {e.Message}");
        }

        var branchedFrom = new JsonObject
        {
            ["checkpoint"] = Path.GetRelativePath(outputDirectory, Path.Combine(checkpointDirectory, Checkpoint.FileName)), // relative: the pair can move together
            ["step"] = start,
            ["schedule"] = JsonNode.Parse(source["schedule"]!.GetValue<string>()),
        };
        var header = (JsonObject)source.DeepClone();
        header["options"] = JsonSerializer.SerializeToNode(options);
        header["schedule"] = spec;
        header["scheduler"] = state;
        header["branched_from"] = branchedFrom;

        Directory.CreateDirectory(outputDirectory);
        Checkpoint.CopyWithHeader(checkpointDirectory, outputDirectory, header);
        File.WriteAllText(Path.Combine(outputDirectory, "branch.json"), new JsonObject
        {
            ["branched_from"] = branchedFrom.DeepClone(),
            ["schedule"] = JsonNode.Parse(spec),
            ["steps"] = options.Steps,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return Execute(options, outputDirectory, header, progress ?? NullProgress.Instance, cancellation);
    }
}
