using System.CommandLine;
using Anneal.Training;
using Anneal.Training.Laws;

namespace Anneal.Cli;

/// <summary>
/// The errors of fit, predict and optimize as one of those commands spells them: each <see cref="LawOption"/> becomes
/// the command's flag (or words when it has none); the training library's errors (run directories, schedules, training)
/// go through <see cref="OptionFlags"/>.
/// </summary>
internal sealed class LawFlags(Command command)
{
    private static readonly Dictionary<LawOption, (string Flag, string Words)> Names = new()
    {
        [LawOption.Runs] = ("", "the runs"),
        [LawOption.TrainBin] = ("--train-bin", "the training-loss bin"),
        [LawOption.BurnIn] = ("--burn-in", "the burn-in"),
        [LawOption.Lambda] = ("--lambda", "lambda"),
        [LawOption.Fixed] = ("--fix", "a fixed parameter"),
        [LawOption.HuberDelta] = ("--huber", "the Huber threshold"),
        [LawOption.LawFile] = ("", "the law file"),
        [LawOption.Schedule] = ("", "the schedule"),
        [LawOption.Steps] = ("--steps", "the step count"),
        [LawOption.Knots] = ("--knots", "the knot count"),
        [LawOption.Family] = ("--family", "the family"),
    };

    private readonly HashSet<string> _has = [.. command.Options.Select(o => o.Name)];
    private readonly OptionFlags _training = new(command);

    /// <summary>The option as this command names it.</summary>
    internal string Name(LawOption option) =>
        Names.TryGetValue(option, out var n) ? n.Flag.Length > 0 && _has.Contains(n.Flag) ? n.Flag : n.Words : option.ToString();

    /// <summary>The usage error of a law or training input problem, in this command's words.</summary>
    internal UsageException Usage(Exception e) => e switch
    {
        LawInputException l => new UsageException(l.Render(Name)),
        TrainingInputException t => new UsageException(_training.Render(t)),
        _ => new UsageException(e.Message),
    };
}
