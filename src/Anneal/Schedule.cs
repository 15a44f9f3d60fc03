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
/// <see cref="ChainedScheduler"/>, <see cref="Warmup"/>, <see cref="Restarts"/>).
/// </remarks>
public abstract class Schedule
{
    /// <summary>The type name used in the JSON spec, e.g. <c>CosineAnnealingLR</c> or <c>warmup_stable_decay</c>.</summary>
    public abstract string TypeName { get; }

    /// <summary>The learning rate at <paramref name="step"/> for the group described by <paramref name="context"/>.</summary>
    public abstract double Evaluate(long step, in ScheduleContext context);

    /// <summary>
    /// The learning rate at <paramref name="step"/> for group <paramref name="group"/> with base learning rate
    /// <paramref name="baseLr"/> (default 1, which makes multiplicative schedules return their factor).
    /// </summary>
    /// <exception cref="InvalidOperationException">The schedule contains a <see cref="ReduceLROnPlateau"/>, whose value needs a <see cref="Scheduler"/>.</exception>
    public double LearningRate(long step, double baseLr = 1.0, int group = 0) =>
        Evaluate(step, new ScheduleContext(group, baseLr));

    /// <summary>True when the schedule sets the optimizer's momentum (SGD, RMSprop) or beta1 (Adam) as well.</summary>
    public virtual bool CyclesMomentum => Children.Any(c => c.CyclesMomentum);

    /// <summary>The momentum (or beta1) at <paramref name="step"/>, or NaN where this schedule leaves it alone.</summary>
    public virtual double Momentum(long step, in ScheduleContext context) => double.NaN;

    /// <summary>The last step the schedule is defined for (PyTorch raises past <c>OneCycleLR.total_steps</c>), or null.</summary>
    public virtual long? MaxStep => null;

    /// <summary>True when a step needs a metric (the schedule contains a <see cref="ReduceLROnPlateau"/>).</summary>
    public bool NeedsMetric => this is ReduceLROnPlateau || Children.Any(c => c.NeedsMetric);

    /// <summary>The schedules this one is built from, in order.</summary>
    public virtual IReadOnlyList<Schedule> Children => [];

    /// <summary>
    /// Checks the schedule against an optimizer whose groups have base learning rates <paramref name="baseLrs"/>: per-group lists
    /// (<c>max_lr</c>, <c>min_lr</c>, ...) must have one value per group.
    /// </summary>
    /// <exception cref="ScheduleArgumentException">A list has the wrong length.</exception>
    public virtual void ValidateGroups(IReadOnlyList<double> baseLrs)
    {
        var children = Children;
        for (var i = 0; i < children.Count; i++)
        {
            try
            {
                children[i].ValidateGroups(baseLrs);
            }
            catch (ScheduleArgumentException e)
            {
                throw e.WithPrefix(ChildPath(i) + ".");
            }
        }
    }

    /// <summary>The spec key of child <paramref name="index"/>: <c>schedulers[i]</c>, or <c>schedule</c> for a wrapper.</summary>
    protected virtual string ChildPath(int index) => $"schedulers[{index}]";

    /// <summary>The JSON spec of this schedule (PyTorch / Hugging Face spelling), every parameter written out.</summary>
    /// <exception cref="NotSupportedException">The schedule holds C# code (<see cref="LambdaLR"/>) and has no JSON form.</exception>
    public JsonObject ToSpec()
    {
        var spec = new JsonObject { ["type"] = TypeName };
        WriteSpec(spec);
        return spec;
    }

    /// <summary>Adds this schedule's parameters to <paramref name="spec"/>.</summary>
    protected abstract void WriteSpec(JsonObject spec);

    /// <summary>Feeds <paramref name="metric"/> at <paramref name="step"/> to the stateful schedules active at that step.</summary>
    internal virtual void Observe(long step, double metric, StateStore states)
    {
        foreach (var child in Children)
        {
            child.Observe(step, metric, states);
        }
    }

    /// <inheritdoc />
    public override string ToString() => TypeName;
}

/// <summary>What a schedule knows about the parameter group it is evaluated for.</summary>
public readonly struct ScheduleContext
{
    /// <summary>Creates a context for group <paramref name="group"/> with base learning rate <paramref name="baseLr"/>.</summary>
    public ScheduleContext(int group, double baseLr) : this(group, baseLr, baseLr, null)
    {
    }

    /// <summary>Creates a context that also knows the optimizer's default learning rate <paramref name="defaultLr"/>.</summary>
    public ScheduleContext(int group, double baseLr, double defaultLr) : this(group, baseLr, defaultLr, null)
    {
    }

    /// <summary>Creates a context that also knows how many tokens one optimizer step consumes (for <see cref="InTokens"/>).</summary>
    public ScheduleContext(int group, double baseLr, double defaultLr, long tokensPerStep) : this(group, baseLr, defaultLr, null, tokensPerStep)
    {
    }

    internal ScheduleContext(int group, double baseLr, double defaultLr, StateStore? states, long tokensPerStep = 0)
    {
        Group = group;
        BaseLr = baseLr;
        DefaultLr = defaultLr;
        States = states;
        TokensPerStep = tokensPerStep;
    }

    /// <summary>Tokens one optimizer step consumes (batch x context x accumulation), or 0 when unknown.</summary>
    public long TokensPerStep { get; }

    /// <summary>The index of the parameter group.</summary>
    public int Group { get; }

    /// <summary>The group's base (initial) learning rate, PyTorch's <c>initial_lr</c>.</summary>
    public double BaseLr { get; }

    /// <summary>
    /// The optimizer's default learning rate, Hugging Face's <c>optimizer.defaults["lr"]</c>: the base learning rate of
    /// group 0. Hugging Face's <c>polynomial</c> and <c>min_lr</c> turn absolute learning rates into factors with it.
    /// </summary>
    public double DefaultLr { get; }

    internal StateStore? States { get; }
}
