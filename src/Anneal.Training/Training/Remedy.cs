namespace Anneal.Training;

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
