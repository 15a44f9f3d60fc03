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
    public static Scheduler CreateScheduler(this Optimizer optimizer, Schedule schedule) => optimizer.CreateScheduler(schedule, 0);

    /// <summary>
    /// Creates a <see cref="Scheduler"/> as <see cref="CreateScheduler(Optimizer, Schedule)"/> does, telling schedules
    /// measured in tokens (<see cref="InTokens"/>, spec type <c>tokens</c>) that one optimizer step consumes
    /// <paramref name="tokensPerStep"/> tokens: batch size x context x gradient-accumulation steps (0 when unknown, which
    /// only schedules in steps accept).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ScheduleArgumentException">As for <see cref="CreateScheduler(Optimizer, Schedule)"/>; or <paramref name="tokensPerStep"/> is negative, or 0 for a schedule measured in tokens.</exception>
    public static Scheduler CreateScheduler(this Optimizer optimizer, Schedule schedule, long tokensPerStep)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new Scheduler(schedule, optimizer.GetParamGroups(), null, tokensPerStep);
    }

    /// <summary>
    /// A TorchSharp <c>LRScheduler</c> that drives <paramref name="schedule"/> on every parameter group of
    /// <paramref name="optimizer"/>: pass it wherever TorchSharp code takes a
    /// <c>torch.optim.lr_scheduler.LRScheduler</c> and call <c>step()</c> (or <c>step(metric)</c> for reduce-on-plateau)
    /// after each <c>optimizer.step()</c>. The groups' current learning rates become the base learning rates, and
    /// step 0's values are written at once.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ScheduleArgumentException">A per-group list does not match the groups, or the schedule cycles momentum and the optimizer has none.</exception>
    public static AnnealLRScheduler CreateLRScheduler(this Optimizer optimizer, Schedule schedule) => optimizer.CreateLRScheduler(schedule, 0);

    /// <summary>
    /// <see cref="CreateLRScheduler(Optimizer, Schedule)"/> for schedules measured in tokens: one optimizer step consumes
    /// <paramref name="tokensPerStep"/> tokens (batch size x context x gradient-accumulation steps; 0 when unknown).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ScheduleArgumentException">As for <see cref="CreateLRScheduler(Optimizer, Schedule)"/>; or <paramref name="tokensPerStep"/> is negative, or 0 for a schedule measured in tokens.</exception>
    public static AnnealLRScheduler CreateLRScheduler(this Optimizer optimizer, Schedule schedule, long tokensPerStep)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        return new AnnealLRScheduler(optimizer, schedule, tokensPerStep);
    }
}
