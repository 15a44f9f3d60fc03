using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// A learning-rate schedule: an immutable value with one closed form, <c>lr = f(step)</c> for a parameter group whose
/// base learning rate is <c>base_lr</c>. Step 0 is the value in effect for the first optimizer step, as after
/// constructing a PyTorch scheduler; step k the value after k calls of <c>scheduler.step()</c>.
/// </summary>
/// <remarks>
/// A schedule holds no counter and no optimizer. <see cref="Scheduler"/> is the driver that owns the step count,
/// writes the values into parameter groups, and holds the state of the one stateful schedule,
/// <see cref="ReduceLROnPlateau"/>. Bigger schedules are built from smaller ones (<see cref="SequentialLR"/>,
/// <see cref="ChainedScheduler"/>, <see cref="Warmup"/>, <see cref="Restarts"/>). Values are PyTorch's and Hugging
/// Face's for every input they accept, quirks at degenerate values included; <see cref="Warnings"/> says where a
/// configuration is degenerate.
/// </remarks>
public abstract class Schedule
{
    private IReadOnlyList<ScheduleWarning>? _warnings;

    /// <summary>The type name used in the JSON spec, e.g. <c>CosineAnnealingLR</c> or <c>warmup_stable_decay</c>.</summary>
    public abstract string TypeName { get; }

    /// <summary>The learning rate at <paramref name="step"/> for the group described by <paramref name="context"/>.</summary>
    public abstract double Evaluate(long step, in ScheduleContext context);

    /// <summary>
    /// The learning rate at <paramref name="step"/> for group <paramref name="group"/> with base learning rate
    /// <paramref name="baseLr"/> (default 1, which makes multiplicative schedules return their factor). A
    /// <see cref="ChainedScheduler"/> replays its recurrence from step 0 here (a driven <see cref="Scheduler"/> steps it in O(1)).
    /// </summary>
    /// <exception cref="InvalidOperationException">The schedule contains a <see cref="ReduceLROnPlateau"/>, whose value needs a <see cref="Scheduler"/>.</exception>
    public double LearningRate(long step, double baseLr = 1.0, int group = 0) =>
        Evaluate(step, new ScheduleContext(group, baseLr));

    /// <summary>
    /// PyTorch's chainable form (its scheduler's <c>get_lr()</c>): the learning rate this schedule writes at
    /// <paramref name="step"/> when the group's learning rate just before is <paramref name="currentLr"/>, as a member of
    /// a <see cref="ChainedScheduler"/>. PyTorch's chainable schedulers (<see cref="IsChainable"/>) update
    /// <paramref name="currentLr"/>; every other schedule sets its closed form outright (PyTorch's <c>LambdaLR</c>,
    /// <c>CyclicLR</c>, <c>OneCycleLR</c>, <c>CosineAnnealingWarmRestarts</c>, and so every Hugging Face schedule),
    /// which is this default.
    /// </summary>
    public virtual double Chain(long step, double currentLr, in ScheduleContext context) => Evaluate(step, context);

    /// <summary>True when <see cref="Chain"/> updates the current learning rate rather than replacing it.</summary>
    public virtual bool IsChainable => false;

    /// <summary>True when the schedule sets the optimizer's momentum (SGD, RMSprop) or beta1 (Adam) as well.</summary>
    public virtual bool CyclesMomentum => Children.Any(c => c.CyclesMomentum);

    /// <summary>The momentum (or beta1) this schedule writes at <paramref name="step"/>, or NaN where it leaves it alone.</summary>
    public virtual double Momentum(long step, in ScheduleContext context) => double.NaN;

    /// <summary>
    /// The momentum the group holds once PyTorch has constructed the whole tree (step 0): every cycling scheduler writes
    /// its step-0 momentum when constructed, in construction order, so a later one-cycle's momentum is in effect before
    /// it runs. NaN when nothing cycles momentum.
    /// </summary>
    internal virtual double InitialMomentum(in ScheduleContext context) => CyclesMomentum ? Momentum(0, context) : double.NaN;

    /// <summary>The momentum the group holds at <paramref name="step"/> after being driven from step 0: the last one written (for resuming).</summary>
    internal virtual double HeldMomentum(long step, in ScheduleContext context)
    {
        var written = Momentum(step, context);
        return double.IsNaN(written) ? InitialMomentum(context) : written;
    }

    /// <summary>
    /// The last step the schedule is defined for (PyTorch raises past <c>OneCycleLR.total_steps</c>), or null. A schedule
    /// measured in tokens has a bound only once the tokens per step are known: see <see cref="MaxStepFor"/>.
    /// </summary>
    public long? MaxStep => MaxStepFor(0);

    /// <summary>The last step the schedule is defined for when one step consumes <paramref name="tokensPerStep"/> tokens (0: unknown), or null.</summary>
    public virtual long? MaxStepFor(long tokensPerStep) => null;

    /// <summary>
    /// The run length the schedule is parameterised for, in steps, or null when it has none: <c>T_max</c>
    /// (<see cref="CosineAnnealingLR"/>), <c>total_iters</c>, <c>total_steps</c> (<see cref="OneCycleLR"/>),
    /// <c>num_training_steps</c> (Hugging Face), warmup + stable + decay (<see cref="WarmupStableDecay"/>); a join ends
    /// with its last piece, a chain with its longest member. Unbounded schedules (<see cref="ExponentialLR"/>,
    /// <see cref="CyclicLR"/>, warm restarts, plateau) have none. Under <c>tokens</c> see <see cref="HorizonFor"/>.
    /// </summary>
    public long? Horizon => HorizonFor(0);

    /// <summary><see cref="Horizon"/> when one step consumes <paramref name="tokensPerStep"/> tokens: a horizon counted in tokens becomes the first step that reaches it.</summary>
    public virtual long? HorizonFor(long tokensPerStep) => null;

    /// <summary>True when a step needs a metric (the schedule contains a <see cref="ReduceLROnPlateau"/>).</summary>
    public bool NeedsMetric => this is ReduceLROnPlateau || Children.Any(c => c.NeedsMetric);

    /// <summary>The schedules this one is built from, in order.</summary>
    public virtual IReadOnlyList<Schedule> Children => [];

    /// <summary>
    /// The degenerate configurations in this schedule and the ones it is built from: each one a parameter PyTorch or
    /// Hugging Face accepts whose effect differs from what its name suggests, and what Anneal (like the library) does
    /// with it. Empty for an ordinary configuration. The <c>anneal</c> command prints each as a <c>warning:</c> line.
    /// </summary>
    public IReadOnlyList<ScheduleWarning> Warnings => _warnings ??= [.. CollectWarnings()];

    /// <summary>The warnings about this schedule's own parameters (not its children's).</summary>
    protected virtual IEnumerable<ScheduleWarning> OwnWarnings() => [];

    private IEnumerable<ScheduleWarning> CollectWarnings()
    {
        foreach (var warning in OwnWarnings())
        {
            yield return warning;
        }

        var children = Children;
        for (var i = 0; i < children.Count; i++)
        {
            foreach (var warning in children[i].Warnings)
            {
                yield return warning.WithPrefix(ChildPath(i) + ".");
            }
        }
    }

    /// <summary>
    /// Checks the schedule against an optimizer whose groups have base learning rates <paramref name="baseLrs"/>: per-group lists
    /// (<c>max_lr</c>, <c>min_lr</c>, ...) must have one value per group.
    /// </summary>
    /// <exception cref="ScheduleArgumentException">A list has the wrong length.</exception>
    public virtual void ValidateGroups(IReadOnlyList<double> baseLrs) =>
        ForEachChild(c => c.ValidateGroups(baseLrs));

    /// <summary>Checks the bounds that depend on the tokens per step (a <c>tokens</c> piece inside a join or restarts).</summary>
    internal virtual void ValidateTokens(long tokensPerStep) => ForEachChild(c => c.ValidateTokens(tokensPerStep));

    private void ForEachChild(Action<Schedule> check)
    {
        var children = Children;
        for (var i = 0; i < children.Count; i++)
        {
            try
            {
                check(children[i]);
            }
            catch (ScheduleArgumentException e)
            {
                throw e.WithPrefix(ChildPath(i) + ".");
            }
        }
    }

    /// <summary>The spec key of child <paramref name="index"/>: <c>schedulers[i]</c>, or <c>schedule</c> for a wrapper.</summary>
    protected virtual string ChildPath(int index) => $"schedulers[{index}]";

    /// <summary>True when the schedule and the ones it is built from have a JSON form (no C# functions).</summary>
    public bool HasJsonForm => CodeOnlyReason is null && Children.All(c => c.HasJsonForm);

    /// <summary>Why this schedule itself has no JSON form (<c>holds a C# function</c>), or null when it has one.</summary>
    protected virtual string? CodeOnlyReason => null;

    /// <summary>The JSON spec of this schedule (PyTorch / Hugging Face spelling), every parameter written out.</summary>
    /// <exception cref="NotSupportedException">The schedule holds C# code (<see cref="LambdaLR"/>) and has no JSON form.</exception>
    public JsonObject ToSpec()
    {
        if (FindCode("") is { } code)
        {
            throw new NotSupportedException(code);
        }

        return BuildSpec();
    }

    private string? FindCode(string path)
    {
        if (CodeOnlyReason is { } reason)
        {
            return path.Length == 0
                ? $"{TypeName} {reason} and has no JSON spec form."
                : $"{TypeName} at {path} {reason} and has no JSON spec form.";
        }

        var children = Children;
        for (var i = 0; i < children.Count; i++)
        {
            if (children[i].FindCode(path.Length == 0 ? ChildPath(i) : $"{path}.{ChildPath(i)}") is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private JsonObject BuildSpec()
    {
        var spec = new JsonObject { ["type"] = TypeName };
        WriteSpec(spec);
        return spec;
    }

    /// <summary>The spec of child schedule <paramref name="child"/>, for a composite's <see cref="WriteSpec"/> (C# functions shown as placeholders).</summary>
    protected static JsonObject SpecOf(Schedule child) => child.BuildSpec();

    /// <summary>
    /// Adds this schedule's parameters to <paramref name="spec"/>. Never throws: a schedule holding C# code writes a
    /// placeholder (<c>"C# function"</c>) and reports <see cref="CodeOnlyReason"/>, which <see cref="ToSpec"/> checks first.
    /// </summary>
    protected abstract void WriteSpec(JsonObject spec);

    /// <summary>Feeds <paramref name="metric"/> at <paramref name="step"/> to the stateful schedules active at that step.</summary>
    internal virtual void Observe(long step, double metric, StateStore states)
    {
        foreach (var child in Children)
        {
            child.Observe(step, metric, states);
        }
    }

    /// <summary>
    /// The value <paramref name="step"/> steps after PyTorch's <c>SequentialLR</c> starts this schedule at a milestone
    /// (its <c>step(0)</c>, the closed form at 0, then the chainable form), when the group's learning rate there was
    /// <paramref name="lrAtMilestone"/> (read only when <see cref="ReadsLrAtMilestone"/>). For most schedules the closed form.
    /// </summary>
    internal virtual double AfterMilestone(long step, double lrAtMilestone, in ScheduleContext context) => Evaluate(step, context);

    /// <summary>True when <see cref="AfterMilestone"/> continues from the learning rate at the milestone (<see cref="MultiplicativeLR"/>).</summary>
    internal virtual bool ReadsLrAtMilestone => false;

    /// <summary>
    /// The value at <paramref name="step"/> when PyTorch steps this schedule's chainable form from step 0 on a group whose
    /// learning rate was <paramref name="startLr"/> rather than its base (the first schedule of a <c>SequentialLR</c>, which
    /// resets the group to <c>initial_lr</c> first). Chainable multiplicative schedules scale; others ignore it.
    /// </summary>
    internal virtual double EvaluateFrom(long step, double startLr, in ScheduleContext context) =>
        IsChainable ? Evaluate(step, context.WithBaseLr(startLr)) : Evaluate(step, context);

    /// <summary>Why PyTorch cannot start this schedule at a <c>SequentialLR</c> milestone (its closed form divides by zero), or null.</summary>
    internal virtual ScheduleArgumentException? MilestoneStartError() => null;

    /// <summary>The JSON spec; C# functions appear as <c>"C# function"</c>.</summary>
    public override string ToString() => BuildSpec().ToJsonString();
}
