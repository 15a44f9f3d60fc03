using TorchSharp;
using static TorchSharp.torch.optim;

namespace Anneal.TorchSharp;

/// <summary>Binds Anneal schedules to TorchSharp optimizers.</summary>
public static class OptimizerExtensions
{
    /// <summary>
    /// The parameter groups of <paramref name="optimizer"/>, in order, as <see cref="IParamGroup"/>s.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    public static IReadOnlyList<TorchParamGroup> GetParamGroups(this Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return [.. optimizer.ParamGroups.Select(g => new TorchParamGroup(g))];
    }

    /// <summary>
    /// Creates a <see cref="Scheduler"/> that drives <paramref name="schedule"/> on every parameter group of
    /// <paramref name="optimizer"/>. The groups' current learning rates become the base learning rates, and step 0's
    /// values are written at once. Call <see cref="Scheduler.Step()"/> (or <see cref="Scheduler.Step(double)"/> for
    /// reduce-on-plateau) after each <c>optimizer.step()</c>; the scheduler never wraps the optimizer.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ScheduleArgumentException">A per-group list does not match the groups, or the schedule cycles momentum and the optimizer has none.</exception>
    public static Scheduler CreateScheduler(this Optimizer optimizer, Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new Scheduler(schedule, optimizer.GetParamGroups());
    }
}
