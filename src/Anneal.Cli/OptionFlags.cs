using System.CommandLine;
using System.Globalization;
using Anneal.Training;

namespace Anneal.Cli;

/// <summary>
/// The training library's options as one command spells them: each <see cref="TrainingOption"/> becomes the command's
/// flag, or words when the command has no such flag, so an error never names a flag the command lacks. Also renders the
/// library's remedies as the commands to type.
/// </summary>
internal sealed class OptionFlags
{
    private static readonly Dictionary<TrainingOption, string> Flags = new()
    {
        [TrainingOption.Schedule] = "--schedule",
        [TrainingOption.Optimizer] = "--optimizer",
        [TrainingOption.LearningRate] = "--lr",
        [TrainingOption.Steps] = "--steps",
        [TrainingOption.Tokens] = "--tokens",
        [TrainingOption.Seed] = "--seed",
        [TrainingOption.DataPath] = "--data",
        [TrainingOption.Tokenizer] = "--tokenizer",
        [TrainingOption.BatchSize] = "--batch-size",
        [TrainingOption.GradientAccumulation] = "--grad-accum",
        [TrainingOption.Context] = "--context",
        [TrainingOption.Layers] = "--layers",
        [TrainingOption.Heads] = "--heads",
        [TrainingOption.EmbeddingDim] = "--dim",
        [TrainingOption.Dropout] = "--dropout",
        [TrainingOption.WeightDecay] = "--weight-decay",
        [TrainingOption.GradientClip] = "--grad-clip",
        [TrainingOption.EvalEvery] = "--eval-every",
        [TrainingOption.EvalBatches] = "--eval-batches",
        [TrainingOption.CheckpointEvery] = "--checkpoint-every",
        [TrainingOption.CorpusCharacters] = "--corpus-chars",
        [TrainingOption.Device] = "--device",
        [TrainingOption.OutputDirectory] = "--out",
        [TrainingOption.ResumeDirectory] = "--resume",
        [TrainingOption.InitFrom] = "--init-from",
        [TrainingOption.StartLr] = "--start-lr",
        [TrainingOption.EndLr] = "--end-lr",
        [TrainingOption.Peak] = "--peak",
        [TrainingOption.ScheduleFile] = "--schedules",
        [TrainingOption.Target] = "--target",
        [TrainingOption.BranchAt] = "--branch-at",
        [TrainingOption.DecayFraction] = "--decay-fraction",
        [TrainingOption.ShardTokens] = "--shard-tokens",
        [TrainingOption.Seeds] = "--seeds",
        [TrainingOption.Shard] = "--shard",
        [TrainingOption.Predict] = "--predict",
    };

    private static readonly Dictionary<TrainingOption, string> Words = new()
    {
        [TrainingOption.Schedule] = "schedule",
        [TrainingOption.Steps] = "the step count",
        [TrainingOption.Tokens] = "the token budget",
        [TrainingOption.Beta1] = "beta1",
        [TrainingOption.Beta2] = "beta2",
        [TrainingOption.Momentum] = "the momentum",
        [TrainingOption.EvalEvery] = "the evaluation interval",
        [TrainingOption.EvalBatches] = "the number of validation batches",
        [TrainingOption.CheckpointEvery] = "the checkpoint interval",
        [TrainingOption.CorpusSeed] = "the corpus seed",
        [TrainingOption.CorpusCharacters] = "the corpus size",
        [TrainingOption.OutputDirectory] = "the output directory",
        [TrainingOption.ResumeDirectory] = "the run",
        [TrainingOption.InitFrom] = "the source run",
        [TrainingOption.ShardTokens] = "the tokens per shard",
    };

    private readonly HashSet<string> _has;
    private readonly Dictionary<TrainingOption, string> _overrides;

    /// <summary>The flags of <paramref name="command"/>, with <paramref name="overrides"/> where its names differ (find-lr's <c>--train-steps</c>).</summary>
    internal OptionFlags(Command command, params (TrainingOption Option, string Flag)[] overrides)
    {
        _has = [.. command.Options.Select(o => o.Name)];
        _overrides = overrides.ToDictionary(o => o.Option, o => o.Flag);
        Command = command.Name;
    }

    /// <summary>The command's name.</summary>
    internal string Command { get; }

    /// <summary>True when the command has <paramref name="flag"/>.</summary>
    internal bool Has(string flag) => _has.Contains(flag);

    /// <summary>The option as this command names it.</summary>
    internal string Name(TrainingOption option)
    {
        var flag = _overrides.TryGetValue(option, out var o) ? o : Flags.GetValueOrDefault(option);
        if (flag is not null && _has.Contains(flag))
        {
            return flag;
        }

        return Words.TryGetValue(option, out var words) ? words : option.ToString();
    }

    /// <summary>The error's one line, options as flags and the remedy as the command to type.</summary>
    internal string Render(TrainingInputException e) => e.Render(Name, Remedy);

    /// <summary>The warning's one line.</summary>
    internal string Render(TrainingWarning w) => w.Render(Name);

    /// <summary>The remedy as the command to type.</summary>
    internal string Remedy(Remedy remedy) => remedy switch
    {
        ResumeRemedy r => $"continue it with: anneal train --resume {Quote(r.Directory)}",
        InitFromRemedy r => string.Create(CultureInfo.InvariantCulture,
            $"restart from its last good checkpoint at a lower learning rate: anneal train --init-from {Quote($"{r.Directory}@{r.Step}")} --out {Quote(r.Directory + "-restart")} --lr {r.LearningRate:G3}"),
        ForceRemedy when Has("--force") => "pass --force to write into it anyway",
        ForceRemedy => "remove what it holds first",
        ExtendRemedy r => $"to extend the run, resume with a --schedule that gives the recorded learning rates for its {r.StepsDone} steps and has a horizon of {r.Steps} " +
                          "(e.g. warmup-stable-decay with num_training_steps " + r.Steps.ToString(CultureInfo.InvariantCulture) + ", before its cooldown starts), " +
                          $"or start a new run from its checkpoint: anneal train --init-from {Quote(r.Directory)} --out NEW_DIR --steps {r.Steps} --schedule SPEC",
        _ => remedy.Describe(),
    };

    /// <summary>A path or argument as a shell would need it.</summary>
    internal static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '.' or '/' or '-' or '_' or ':' or '+' or ',' or '@' or '=') ? value : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
