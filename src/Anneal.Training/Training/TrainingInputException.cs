namespace Anneal.Training;

/// <summary>
/// What an input problem is about: a <see cref="TrainingOptions"/> property, an LR-sweep or comparison setting, or a
/// directory given to the trainer. Member names are the API's property names; a command line maps each to its own flag
/// (or to words where it has none), so the library never names a flag a command lacks.
/// </summary>
public enum TrainingOption
{
    /// <summary>The schedule (a spec, a spec file or a preset).</summary>
    Schedule,

    /// <summary><see cref="TrainingOptions.Optimizer"/>.</summary>
    Optimizer,

    /// <summary><see cref="TrainingOptions.LearningRate"/>.</summary>
    LearningRate,

    /// <summary><see cref="TrainingOptions.Steps"/>.</summary>
    Steps,

    /// <summary>A token budget that sets <see cref="TrainingOptions.Steps"/>.</summary>
    Tokens,

    /// <summary><see cref="TrainingOptions.Seed"/>.</summary>
    Seed,

    /// <summary><see cref="TrainingOptions.DataPath"/>.</summary>
    DataPath,

    /// <summary><see cref="TrainingOptions.Tokenizer"/>.</summary>
    Tokenizer,

    /// <summary><see cref="TrainingOptions.BatchSize"/>.</summary>
    BatchSize,

    /// <summary><see cref="TrainingOptions.GradientAccumulation"/>.</summary>
    GradientAccumulation,

    /// <summary><see cref="TrainingOptions.Context"/>.</summary>
    Context,

    /// <summary><see cref="TrainingOptions.Layers"/>.</summary>
    Layers,

    /// <summary><see cref="TrainingOptions.Heads"/>.</summary>
    Heads,

    /// <summary><see cref="TrainingOptions.EmbeddingDim"/>.</summary>
    EmbeddingDim,

    /// <summary><see cref="TrainingOptions.Dropout"/>.</summary>
    Dropout,

    /// <summary><see cref="TrainingOptions.WeightDecay"/>.</summary>
    WeightDecay,

    /// <summary><see cref="TrainingOptions.Beta1"/>.</summary>
    Beta1,

    /// <summary><see cref="TrainingOptions.Beta2"/>.</summary>
    Beta2,

    /// <summary><see cref="TrainingOptions.Momentum"/>.</summary>
    Momentum,

    /// <summary><see cref="TrainingOptions.GradientClip"/>.</summary>
    GradientClip,

    /// <summary><see cref="TrainingOptions.EvalEvery"/>.</summary>
    EvalEvery,

    /// <summary><see cref="TrainingOptions.EvalBatches"/>.</summary>
    EvalBatches,

    /// <summary><see cref="TrainingOptions.CheckpointEvery"/>.</summary>
    CheckpointEvery,

    /// <summary><see cref="TrainingOptions.CorpusSeed"/>.</summary>
    CorpusSeed,

    /// <summary><see cref="TrainingOptions.CorpusCharacters"/>.</summary>
    CorpusCharacters,

    /// <summary><see cref="TrainingOptions.Device"/>.</summary>
    Device,

    /// <summary>The directory a new run (or a comparison's report) is written to.</summary>
    OutputDirectory,

    /// <summary>The run directory being resumed.</summary>
    ResumeDirectory,

    /// <summary>The run (and step) whose checkpoint starts a new run.</summary>
    InitFrom,

    /// <summary>The LR sweep's first learning rate.</summary>
    StartLr,

    /// <summary>The LR sweep's last learning rate.</summary>
    EndLr,

    /// <summary>The LR sweep's steps.</summary>
    SweepSteps,

    /// <summary>The LR sweep's rule for the suggested peak.</summary>
    Peak,

    /// <summary>A comparison's file of schedules.</summary>
    ScheduleFile,

    /// <summary>A comparison's target validation loss.</summary>
    Target,

    /// <summary>The branching experiment's budget fractions.</summary>
    BranchAt,

    /// <summary>The branching experiment's cooldown share.</summary>
    DecayFraction,
}

/// <summary>One problem with the input.</summary>
/// <param name="Option">What it is about, or null for a problem of no one option.</param>
/// <param name="Text">
/// The problem, phrased to follow the option's name: after a space (<c>must be &gt;= 1 (was 0)</c>), or directly when it
/// starts with a colon (<c>: file 'x' does not exist</c>); naming no option or flag itself.
/// </param>
public sealed record OptionProblem(TrainingOption? Option, string Text)
{
    /// <summary>The problem with the option named by <paramref name="name"/> (API names by default).</summary>
    public string Render(Func<TrainingOption, string>? name = null)
    {
        if (Option is not { } o)
        {
            return Text.TrimStart(':', ' ');
        }

        var named = (name ?? (x => x.ToString()))(o);
        return Text.StartsWith(':') ? named + Text : $"{named} {Text}";
    }
}

/// <summary>How to get past a problem, as data: a command line renders it as the command to type.</summary>
public abstract record Remedy
{
    /// <summary>The remedy in the API's words (command lines render their own).</summary>
    public abstract string Describe();
}

/// <summary>Continue the run in <paramref name="Directory"/> (<see cref="Trainer.Resume"/>).</summary>
public sealed record ResumeRemedy(string Directory) : Remedy
{
    /// <inheritdoc />
    public override string Describe() => $"continue it with Trainer.Resume(\"{Directory}\")";
}

/// <summary>Start a new run from the checkpoint of <paramref name="Directory"/> at <paramref name="Step"/> at <paramref name="LearningRate"/> (<see cref="Trainer.InitFrom"/>).</summary>
public sealed record InitFromRemedy(string Directory, int Step, double LearningRate) : Remedy
{
    /// <inheritdoc />
    public override string Describe() =>
        FormattableString.Invariant($"start a new run from its checkpoint at step {Step} at a lower learning rate with Trainer.InitFrom (e.g. LearningRate {LearningRate:G3})");
}

/// <summary>Write into the directory anyway (the <c>force</c> argument).</summary>
public sealed record ForceRemedy : Remedy
{
    /// <inheritdoc />
    public override string Describe() => "pass force: true to write into it anyway";
}

/// <summary>
/// Extend a run past its schedule's horizon: resume it under a schedule that continues the recorded learning rates of its
/// <paramref name="StepsDone"/> steps, or start a new run from its checkpoint under any schedule.
/// </summary>
public sealed record ExtendRemedy(string Directory, int StepsDone, int Steps) : Remedy
{
    /// <inheritdoc />
    public override string Describe() =>
        $"resume with a schedule whose learning rates for steps 0 to {StepsDone - 1} equal the recorded ones and whose horizon is {Steps}, or start a new run from the checkpoint with Trainer.InitFrom";
}

/// <summary>
/// Bad input to a training run (options, data, schedule, directories): every problem found, each with the option it is
/// about, and how to get past them. The message is one line in the API's words.
/// </summary>
public sealed class TrainingInputException : Exception
{
    /// <summary>One problem.</summary>
    public TrainingInputException(TrainingOption? option, string text, Remedy? remedy = null)
        : this([new OptionProblem(option, text)], remedy)
    {
    }

    /// <summary>Several problems, reported together.</summary>
    public TrainingInputException(IReadOnlyList<OptionProblem> problems, Remedy? remedy = null, string? context = null)
        : base(Render(problems, remedy, context, null, r => r.Describe()))
    {
        if (problems.Count == 0)
        {
            throw new ArgumentException("at least one problem is needed", nameof(problems));
        }

        Problems = problems;
        Remedy = remedy;
        Context = context;
    }

    /// <summary>The problems, in the order found.</summary>
    public IReadOnlyList<OptionProblem> Problems { get; }

    /// <summary>How to get past them, or null.</summary>
    public Remedy? Remedy { get; }

    /// <summary>What the problems were found in (a compared run's name, a file's line), shown first; or null.</summary>
    public string? Context { get; }

    /// <summary>The option of the first problem, or null.</summary>
    public TrainingOption? Option => Problems[0].Option;

    /// <summary>The context, the problems joined with <c>; </c> (options named by <paramref name="name"/>), then the remedy (by <paramref name="remedy"/>).</summary>
    public string Render(Func<TrainingOption, string> name, Func<Remedy, string> remedy) => Render(Problems, Remedy, Context, name, remedy);

    /// <summary>The same problems found in <paramref name="context"/> (outermost first).</summary>
    public TrainingInputException WithContext(string context) =>
        new(Problems, Remedy, Context is null ? context : $"{context}: {Context}");

    private static string Render(IReadOnlyList<OptionProblem> problems, Remedy? remedy, string? context, Func<TrainingOption, string>? name, Func<Remedy, string> describe)
    {
        var text = string.Join("; ", problems.Select(p => p.Render(name)));
        text = context is null ? text : $"{context}: {text}";
        return remedy is null ? text : $"{text}; {describe(remedy)}";
    }
}

/// <summary>
/// A fault while a run was writing (disk full, read-only file system, ...): every earlier result is intact, and the run
/// continues from <see cref="CheckpointStep"/> once the cause is fixed.
/// </summary>
public sealed class TrainingFaultException : Exception
{
    /// <summary>Creates the fault.</summary>
    public TrainingFaultException(string path, string cause, string runDirectory, int? checkpointStep, Exception inner)
        : base(Describe(path, cause, runDirectory, checkpointStep), inner)
    {
        Path = path;
        Cause = cause;
        RunDirectory = runDirectory;
        CheckpointStep = checkpointStep;
    }

    /// <summary>The file or directory that could not be written.</summary>
    public string Path { get; }

    /// <summary>What the operating system said (<c>No space left on device</c>).</summary>
    public string Cause { get; }

    /// <summary>The run directory, to resume.</summary>
    public string RunDirectory { get; }

    /// <summary>The step of the intact checkpoint the run resumes from, or null when none was written yet.</summary>
    public int? CheckpointStep { get; }

    private static string Describe(string path, string cause, string runDirectory, int? step) =>
        $"cannot write '{path}': {cause}; " + (step is { } s
            ? $"the checkpoint after {s} steps is intact: fix the cause, then continue with Trainer.Resume(\"{runDirectory}\")"
            : "no checkpoint had been written yet: fix the cause, then start the run again");
}

/// <summary>Something the run goes on with but the user should know, with the option it is about.</summary>
/// <param name="Option">The option, or null.</param>
/// <param name="Text">The warning, phrased to follow the option's name after a space.</param>
public sealed record TrainingWarning(TrainingOption? Option, string Text)
{
    /// <summary>The warning with the option named by <paramref name="name"/> (API names by default).</summary>
    public string Render(Func<TrainingOption, string>? name = null) => new OptionProblem(Option, Text).Render(name);
}
