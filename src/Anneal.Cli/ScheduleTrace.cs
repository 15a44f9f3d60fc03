namespace Anneal.Cli;

/// <summary>The values in effect for one optimizer step: row k is after k calls of <see cref="Scheduler.Step()"/>.</summary>
/// <param name="Step">The step (PyTorch's <c>last_epoch</c>).</param>
/// <param name="LearningRates">The learning rate of each group.</param>
/// <param name="Momenta">The momentum (or beta1) of each group, when the schedule cycles it; else null.</param>
internal sealed record TraceRow(long Step, double[] LearningRates, double[]? Momenta);

/// <summary>A schedule driven over in-memory parameter groups, step by step, as a training loop would.</summary>
internal sealed class ScheduleTrace
{
    private ScheduleTrace(Scheduler scheduler, IReadOnlyList<TraceRow> rows)
    {
        Scheduler = scheduler;
        Rows = rows;
    }

    /// <summary>The driver after the last row (its state is what <c>--state-out</c> saves).</summary>
    internal Scheduler Scheduler { get; }

    /// <summary>The schedule driven.</summary>
    internal Schedule Schedule => Scheduler.Schedule;

    /// <summary>The rows, from the start step to the last, one per step.</summary>
    internal IReadOnlyList<TraceRow> Rows { get; }

    /// <summary>The number of parameter groups.</summary>
    internal int GroupCount => Scheduler.BaseLearningRates.Count;

    /// <summary>True when rows carry momenta.</summary>
    internal bool HasMomentum => Schedule.CyclesMomentum;

    /// <summary>
    /// Drives <paramref name="schedule"/> from step 0 (or from <paramref name="start"/>'s step) to <paramref name="steps"/>;
    /// step k gets <c>metrics[k - 1]</c> when the schedule needs a metric.
    /// </summary>
    internal static ScheduleTrace Run(Schedule schedule, ParamGroup[] groups, long steps, IReadOnlyList<double>? metrics, SchedulerState? start, long tokensPerStep = 0)
    {
        var scheduler = new Scheduler(schedule, groups, null, tokensPerStep);
        if (start is not null)
        {
            scheduler.LoadState(start);
        }

        var rows = new List<TraceRow>((int)Math.Min(steps - scheduler.StepCount + 1, 1 << 20)) { Capture(scheduler, groups) };
        while (scheduler.StepCount < steps)
        {
            if (schedule.NeedsMetric)
            {
                scheduler.Step(metrics![(int)scheduler.StepCount]);
            }
            else
            {
                scheduler.Step();
            }

            rows.Add(Capture(scheduler, groups));
        }

        return new ScheduleTrace(scheduler, rows);
    }

    private static TraceRow Capture(Scheduler scheduler, ParamGroup[] groups) => new(
        scheduler.StepCount,
        [.. groups.Select(g => g.LearningRate)],
        scheduler.Schedule.CyclesMomentum ? [.. groups.Select(g => g.Momentum)] : null);
}
