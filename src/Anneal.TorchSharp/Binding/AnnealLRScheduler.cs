using static TorchSharp.torch.optim;
using TorchLRScheduler = TorchSharp.torch.optim.lr_scheduler.LRScheduler;

namespace Anneal.TorchSharp;

/// <summary>
/// An Anneal <see cref="Schedule"/> as a TorchSharp <c>torch.optim.lr_scheduler.LRScheduler</c>, so training code
/// typed against TorchSharp's scheduler takes it unchanged: <c>step()</c> after each <c>optimizer.step()</c>,
/// <c>step(metric)</c> for reduce-on-plateau, <c>get_last_lr()</c>. Create it with
/// <see cref="OptimizerExtensions.CreateLRScheduler(Optimizer, Schedule)"/>.
/// </summary>
/// <remarks>
/// The learning rates are those of an Anneal <see cref="Scheduler"/> over the same groups, bit for bit: the groups'
/// learning rates at creation are the base learning rates, creation writes step 0 (PyTorch's and TorchSharp's schedulers
/// also take their first step in the constructor), and step k writes <c>lr = f(k)</c> from the schedule's closed form,
/// never from the group's current value. Schedules that cycle momentum also write the group's momentum (SGD, RMSprop)
/// or Adam's beta1. Unlike TorchSharp's own schedulers, the state saves and loads (<see cref="GetState"/>,
/// <see cref="GetStateJson"/>), so a resumed run continues with the same learning rates.
/// </remarks>
public sealed class AnnealLRScheduler : TorchLRScheduler
{
    private readonly Scheduler _scheduler;

    internal AnnealLRScheduler(Optimizer optimizer, Schedule schedule, long tokensPerStep)
        : base(optimizer, -1, false)
    {
        _scheduler = new Scheduler(schedule, optimizer.GetParamGroups(), null, tokensPerStep);
        Publish();
    }

    /// <summary>The schedule being driven.</summary>
    public Schedule Schedule => _scheduler.Schedule;

    /// <summary>Steps taken since creation (PyTorch's <c>last_epoch</c>): the learning rates in effect are this step's.</summary>
    public long StepCount => _scheduler.StepCount;

    /// <summary>The base learning rate of each parameter group (the groups' learning rates at creation).</summary>
    public IReadOnlyList<double> BaseLearningRates => _scheduler.BaseLearningRates;

    /// <summary>The learning rate last written into each group; <c>get_last_lr()</c> returns the same values.</summary>
    public IReadOnlyList<double> LastLearningRates => _scheduler.LastLearningRates;

    /// <summary>The momentum (or Adam beta1) last written into each group; NaN where the schedule leaves it alone.</summary>
    public IReadOnlyList<double> LastMomenta => _scheduler.LastMomenta;

    /// <summary>The last step the schedule is defined for (<c>OneCycleLR</c>'s <c>total_steps</c>), or null.</summary>
    public long? MaxStep => _scheduler.MaxStep;

    /// <summary>Advances one step and writes its learning rates (PyTorch's <c>scheduler.step()</c>).</summary>
    /// <exception cref="InvalidOperationException">The schedule needs a metric (use <c>step(metric)</c>), or it ends before this step.</exception>
    public override void step()
    {
        _scheduler.Step();
        Publish();
    }

    /// <summary>
    /// With no <paramref name="epoch"/>, <see cref="step()"/>. With one, jumps to step <paramref name="epoch"/> and writes
    /// its learning rates (PyTorch's deprecated <c>step(epoch)</c>; reduce-on-plateau state is kept as it is).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="epoch"/> is negative or past <see cref="MaxStep"/>.</exception>
    public override void step(int? epoch)
    {
        if (epoch is not { } target)
        {
            step();
            return;
        }

        _scheduler.LoadState(_scheduler.GetState() with { Step = target });
        Publish();
    }

    /// <summary>
    /// Advances one step, gives <paramref name="current"/> (the validation metric) to the reduce-on-plateau schedules
    /// active at it, and writes the step's learning rates. Schedules without a plateau ignore the metric, as in TorchSharp.
    /// </summary>
    /// <exception cref="ArgumentException">The metric is NaN, or an <paramref name="epoch"/> is given (not supported with a metric).</exception>
    public override void step(double current, int? epoch = null)
    {
        if (epoch is not null)
        {
            throw new ArgumentException("step(metric, epoch) is not supported: call step(metric) once per step", nameof(epoch));
        }

        _scheduler.Step(current);
        Publish();
    }

    /// <summary>
    /// Advances one step without a metric: reduce-on-plateau schedules in the tree see nothing (their patience counts
    /// metrics), everything else moves on; for loops that evaluate every K steps (see <see cref="Scheduler.StepWithoutMetric"/>).
    /// </summary>
    public void StepWithoutMetric()
    {
        _scheduler.StepWithoutMetric();
        Publish();
    }

    /// <summary>The state to save: step count, base learning rates and reduce-on-plateau state.</summary>
    public SchedulerState GetState() => _scheduler.GetState();

    /// <summary>Restores a saved state and writes the learning rates of its step.</summary>
    /// <exception cref="ArgumentException">The state does not fit this schedule and these groups.</exception>
    public void LoadState(SchedulerState state)
    {
        _scheduler.LoadState(state);
        Publish();
    }

    /// <summary>The state as JSON (<see cref="SchedulerStateJson"/>), with the schedule's spec so it never loads into another schedule.</summary>
    public string GetStateJson() => SchedulerStateJson.Write(_scheduler);

    /// <summary>Restores a state written by <see cref="GetStateJson"/> and writes the learning rates of its step.</summary>
    /// <exception cref="ScheduleArgumentException">The text is not a state, or it was saved for another schedule.</exception>
    public void LoadStateJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        LoadState(SchedulerStateJson.Read(json, _scheduler.Schedule));
    }

    /// <summary>The learning rates the Anneal scheduler wrote, for TorchSharp's <c>step</c> to record.</summary>
    protected override IEnumerable<double> get_lr() => _scheduler.LastLearningRates;

    /// <inheritdoc cref="get_lr" />
    protected override IEnumerable<double> get_closed_form_lr() => _scheduler.LastLearningRates;

    /// <summary>
    /// Lets TorchSharp's base class record the values (its <c>get_last_lr()</c> list and <c>last_epoch</c> are internal):
    /// its <c>step(epoch)</c> with an epoch writes <see cref="get_closed_form_lr"/> into the groups, the same values the
    /// Anneal scheduler just wrote.
    /// </summary>
    private void Publish()
    {
        base.step((int)Math.Min(_scheduler.StepCount, int.MaxValue));
        _step_count = (int)Math.Min(_scheduler.StepCount + 1, int.MaxValue);
    }
}
