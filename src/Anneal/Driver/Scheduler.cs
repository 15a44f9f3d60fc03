namespace Anneal;

/// <summary>
/// The driver: owns the step counter, writes a <see cref="Schedule"/>'s values into an optimizer's parameter groups,
/// and holds the state of stateful schedules. Constructing it writes step 0; each <see cref="Step()"/> advances one
/// step and writes that step's values, as PyTorch's <c>scheduler.step()</c> after <c>optimizer.step()</c>.
/// It never wraps the optimizer: it only sets <see cref="IParamGroup.LearningRate"/> and <see cref="IParamGroup.Momentum"/>.
/// </summary>
public sealed class Scheduler
{
    private readonly IParamGroup[] _groups;
    private readonly double[] _baseLrs;
    private readonly double[] _lastLrs;
    private readonly double[] _lastMomenta;
    private readonly StateStore _states;
    private readonly bool _needsMetric;
    private readonly bool _cyclesMomentum;
    private readonly long? _maxStep;
    private bool _momentumHeld;

    /// <summary>
    /// Binds <paramref name="schedule"/> to <paramref name="groups"/>; their current learning rates become the base
    /// learning rates (PyTorch's <c>initial_lr</c>), and step 0 is written.
    /// </summary>
    /// <exception cref="ScheduleArgumentException">A per-group list does not match the groups, or momentum cycling meets an optimizer without momentum.</exception>
    /// <remarks>A <see cref="ChainedScheduler"/> is stepped with one step of its recurrence per <see cref="Step()"/>; <see cref="LoadState"/> replays it once from step 0.</remarks>
    public Scheduler(Schedule schedule, IReadOnlyList<IParamGroup> groups)
        : this(schedule, groups, null)
    {
    }

    /// <summary>Binds <paramref name="schedule"/> to <paramref name="groups"/> with the given base learning rates (one per group).</summary>
    public Scheduler(Schedule schedule, IReadOnlyList<IParamGroup> groups, IReadOnlyList<double>? baseLrs)
        : this(schedule, groups, baseLrs, 0)
    {
    }

    /// <summary>
    /// Binds <paramref name="schedule"/> to <paramref name="groups"/>, telling schedules measured in tokens
    /// (<see cref="InTokens"/>) that one step consumes <paramref name="tokensPerStep"/> tokens.
    /// </summary>
    public Scheduler(Schedule schedule, IReadOnlyList<IParamGroup> groups, IReadOnlyList<double>? baseLrs, long tokensPerStep)
    {
        TokensPerStep = Preconditions.NonNegative(tokensPerStep, "tokens_per_step");
        Schedule = Preconditions.NotNull(schedule, "schedule");
        if (tokensPerStep == 0 && UsesTokens(schedule))
        {
            throw Preconditions.Fail("tokens_per_step", "must be given for a schedule measured in tokens (batch size x context x gradient accumulation)");
        }

        Preconditions.NotEmpty(groups, "groups");
        _groups = [.. groups];
        _baseLrs = baseLrs is null ? [.. groups.Select(g => g.LearningRate)] : [.. baseLrs];
        if (_baseLrs.Length != _groups.Length)
        {
            throw Preconditions.Fail("base_lrs", $"must have one value per parameter group: expected {_groups.Length}, got {_baseLrs.Length}");
        }

        Preconditions.Each(_baseLrs, "lr", Preconditions.NonNegative);
        schedule.ValidateGroups(_baseLrs);
        if (schedule.CyclesMomentum && _groups.Any(g => g.MomentumKind == MomentumKind.None))
        {
            throw Preconditions.Fail(
                "cycle_momentum",
                "needs an optimizer with momentum (SGD, RMSprop) or betas (Adam, AdamW); set cycle_momentum to false");
        }

        _lastLrs = new double[_groups.Length];
        _lastMomenta = new double[_groups.Length];
        schedule.ValidateTokens(tokensPerStep);
        _states = new StateStore(schedule, _baseLrs, tokensPerStep);
        _needsMetric = schedule.NeedsMetric;
        _cyclesMomentum = schedule.CyclesMomentum;
        _maxStep = schedule.MaxStepFor(tokensPerStep);
        Array.Fill(_lastMomenta, double.NaN);
        Apply();
    }

    /// <summary>
    /// The last step the schedule is defined for (<c>OneCycleLR</c>'s <c>total_steps</c>; for a schedule measured in
    /// tokens anywhere in the tree, its last whole step: <see cref="Schedule.MaxStepFor"/>), or null; <see cref="Step()"/> past it throws.
    /// </summary>
    public long? MaxStep => _maxStep;

    /// <summary>Tokens one step consumes, for schedules measured in tokens; 0 when not given.</summary>
    public long TokensPerStep { get; }

    private static bool UsesTokens(Schedule schedule) => schedule is InTokens || schedule.Children.Any(UsesTokens);

    /// <summary>The schedule being driven.</summary>
    public Schedule Schedule { get; }

    /// <summary>Steps taken since construction (PyTorch's <c>last_epoch</c>): the values written are those of this step.</summary>
    public long StepCount { get; private set; }

    /// <summary>The base learning rate of each group.</summary>
    public IReadOnlyList<double> BaseLearningRates => _baseLrs;

    /// <summary>The learning rate last written into each group (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLearningRates => _lastLrs;

    /// <summary>The momentum (or beta1) last written into each group; NaN where the schedule leaves it alone.</summary>
    public IReadOnlyList<double> LastMomenta => _lastMomenta;

    /// <summary>Advances one step and writes its values.</summary>
    /// <exception cref="InvalidOperationException">The schedule needs a metric (use <see cref="Step(double)"/>), or it ends before this step.</exception>
    public void Step()
    {
        if (_needsMetric)
        {
            throw new InvalidOperationException(Schedule is ReduceLROnPlateau
                ? "ReduceLROnPlateau needs the validation metric: call Step(metric)"
                : $"{Schedule.TypeName} contains ReduceLROnPlateau, which needs the validation metric: call Step(metric)");
        }

        Advance();
        Apply();
    }

    /// <summary>
    /// Advances one step without a metric: reduce-on-plateau schedules in the tree see nothing at this step (their
    /// patience counts metrics, not steps), while everything else moves on. For training loops that evaluate every K
    /// steps: call <see cref="Step(double)"/> with the validation loss on evaluation steps and this on the others, so a
    /// warmup in front of a plateau schedule advances per optimizer step.
    /// </summary>
    public void StepWithoutMetric()
    {
        Advance();
        Apply();
    }

    /// <summary>Advances one step, feeds <paramref name="metric"/> to the reduce-on-plateau schedules active at it, and writes its values.</summary>
    /// <exception cref="ArgumentException">The metric is NaN.</exception>
    public void Step(double metric)
    {
        if (double.IsNaN(metric))
        {
            throw Preconditions.Fail("metric", "must be a number (was NaN)");
        }

        Advance();
        if (_needsMetric)
        {
            Schedule.Observe(StepCount, metric, _states);
        }
        Apply();
    }

    /// <summary>The state to save: the step count and the state of every stateful schedule.</summary>
    public SchedulerState GetState() =>
        new(StepCount, [.. _baseLrs], [.. _states.States.Select(s => s with { LearningRates = [.. s.LearningRates] })]);

    /// <summary>Restores a saved state and writes the values of its step: the continued sequence equals the uninterrupted one.</summary>
    /// <exception cref="ArgumentException">The state does not fit this schedule and these groups.</exception>
    public void LoadState(SchedulerState state)
    {
        Preconditions.NotNull(state, "state");
        if (state.BaseLearningRates.Count != _baseLrs.Length)
        {
            throw Preconditions.Fail("state.base_lrs", $"must have one value per parameter group: expected {_baseLrs.Length}, got {state.BaseLearningRates.Count}");
        }

        Preconditions.NonNegative(state.Step, "state.step");
        if (_maxStep is { } max && state.Step > max)
        {
            throw Preconditions.Fail("state.step", $"must be <= {max}, the last step of {Schedule.TypeName} (was {state.Step})");
        }

        _states.Load(state.Plateaus, _baseLrs.Length);
        state.BaseLearningRates.ToArray().CopyTo(_baseLrs, 0);
        StepCount = state.Step;
        _momentumHeld = false;
        Apply();
    }

    private void Advance()
    {
        if (_maxStep is { } max && StepCount + 1 > max)
        {
            throw new InvalidOperationException(
                $"tried to step {StepCount + 1} times, but {Schedule.TypeName} is defined for {max} steps (total_steps)");
        }

        StepCount++;
    }

    private void Apply()
    {
        for (var i = 0; i < _groups.Length; i++)
        {
            var context = new ScheduleContext(i, _baseLrs[i], _baseLrs[0], _states, TokensPerStep);
            var lr = Schedule.Evaluate(StepCount, context);
            _groups[i].LearningRate = lr;
            _lastLrs[i] = lr;
            if (!_cyclesMomentum)
            {
                continue;
            }

            var momentum = Schedule.Momentum(StepCount, context);
            if (double.IsNaN(momentum) && !_momentumHeld)
            {
                // Nothing is written at this step: the group holds what PyTorch's construction (step 0) or the
                // steps before a resumed one wrote last.
                momentum = StepCount == 0 ? Schedule.InitialMomentum(context) : Schedule.HeldMomentum(StepCount, context);
            }

            _lastMomenta[i] = momentum;
            if (!double.IsNaN(momentum))
            {
                _groups[i].Momentum = momentum;
            }
        }

        _momentumHeld = true;
    }
}

/// <summary>A <see cref="Scheduler"/>'s saveable state: the step count, base learning rates and plateau states.</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="BaseLearningRates">Base learning rate per group.</param>
/// <param name="Plateaus">State of each <see cref="ReduceLROnPlateau"/> in the schedule, in tree order.</param>
public sealed record SchedulerState(long Step, IReadOnlyList<double> BaseLearningRates, IReadOnlyList<PlateauState> Plateaus)
{
    /// <inheritdoc />
    public bool Equals(SchedulerState? other) =>
        other is not null && Step == other.Step && BaseLearningRates.SequenceEqual(other.BaseLearningRates) &&
        Plateaus.SequenceEqual(other.Plateaus);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Step, BaseLearningRates.Count, Plateaus.Count);
}
