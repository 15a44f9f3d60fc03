namespace Anneal;

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
        InitialLrUnset = true;
    }

    private ScheduleContext(in ScheduleContext other, double baseLr, bool initialLrUnset, OneCycleLR? lrFields, OneCycleLR? momentumFields)
    {
        Group = other.Group;
        BaseLr = baseLr;
        DefaultLr = other.DefaultLr;
        States = other.States;
        TokensPerStep = other.TokensPerStep;
        InitialLrUnset = initialLrUnset;
        OneCycleLrFields = lrFields;
        OneCycleMomentumFields = momentumFields;
    }

    /// <summary>Tokens one optimizer step consumes (batch x context x accumulation), or 0 when unknown.</summary>
    public long TokensPerStep { get; }

    /// <summary>The index of the parameter group.</summary>
    public int Group { get; }

    /// <summary>
    /// The group's base (initial) learning rate, PyTorch's <c>initial_lr</c>. Inside a composite it is the value PyTorch's
    /// scheduler would have taken at its construction: the optimizer's learning rate, or <c>max_lr / div_factor</c> after
    /// a <see cref="OneCycleLR"/>, or the <c>base_lr</c> of a <see cref="CyclicLR"/> constructed first.
    /// </summary>
    public double BaseLr { get; }

    /// <summary>
    /// The optimizer's default learning rate, Hugging Face's <c>optimizer.defaults["lr"]</c>: the base learning rate of
    /// group 0. Hugging Face's <c>polynomial</c> and <c>min_lr</c> turn absolute learning rates into factors with it.
    /// </summary>
    public double DefaultLr { get; }

    internal StateStore? States { get; }

    /// <summary>True when no PyTorch scheduler of this optimizer was constructed before this one (<c>initial_lr</c> not yet set).</summary>
    internal bool InitialLrUnset { get; }

    /// <summary>The <see cref="OneCycleLR"/> whose <c>initial_lr</c>, <c>max_lr</c> and <c>min_lr</c> the group holds (the last constructed), or null.</summary>
    internal OneCycleLR? OneCycleLrFields { get; }

    /// <summary>The <see cref="OneCycleLR"/> whose <c>max_momentum</c> and <c>base_momentum</c> the group holds, or null.</summary>
    internal OneCycleLR? OneCycleMomentumFields { get; }

    /// <summary>The context of a child: another base learning rate and construction-order facts, in one copy.</summary>
    internal ScheduleContext ForChild(double baseLr, bool initialLrUnset, OneCycleLR? lrFields, OneCycleLR? momentumFields) =>
        new(this, baseLr, initialLrUnset, lrFields, momentumFields);

    /// <summary>The same context with another base learning rate, marking <c>initial_lr</c> as set.</summary>
    internal ScheduleContext WithBaseLr(double baseLr) => new(this, baseLr, false, OneCycleLrFields, OneCycleMomentumFields);
}
