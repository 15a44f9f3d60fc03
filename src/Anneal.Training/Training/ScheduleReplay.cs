using System.Globalization;
using Anneal.Training.Runs;

namespace Anneal.Training;

/// <summary>
/// Checks that a schedule given on resume continues the recorded one: it drives the new schedule over the run's steps
/// as the trainer would (metrics fed on evaluation steps), compares its learning rates with the recorded ones step by
/// step, and returns its scheduler state at the resumed step.
/// </summary>
internal static class ScheduleReplay
{
    /// <summary>The new schedule's state after the recorded steps <paramref name="firstStep"/> to <paramref name="start"/> - 1.</summary>
    /// <exception cref="TrainingInputException">A recorded step is missing, or a learning rate differs (the first such step, both values).</exception>
    public static string Continue(RunSchedule schedule, TrainingOptions options, RunHistory history, int firstStep, int start)
    {
        var rows = history.Rows;
        if (rows.Count != start - firstStep || rows.Select((r, i) => r.Step != firstStep + i).Any(x => x))
        {
            throw new TrainingInputException(
                TrainingOption.Schedule,
                $"cannot be checked against the run: {RunDirectory.MetricsFile} holds {rows.Count} of the steps {firstStep} to {start - 1}, whose learning rates a new schedule must repeat");
        }

        var kind = options.Optimizer.Momentum();
        var momentum = kind == MomentumKind.Beta1 ? options.Beta1 : options.Momentum;
        Scheduler scheduler;
        try
        {
            scheduler = new Scheduler(schedule.Schedule, [new ParamGroup(options.LearningRate, kind, momentum), new ParamGroup(options.LearningRate, kind, momentum)], null, options.TokensPerStep);
            if (firstStep > 0)
            {
                scheduler.LoadState(scheduler.GetState() with { Step = firstStep });
            }
        }
        catch (ArgumentException e)
        {
            throw new TrainingInputException(TrainingOption.Schedule, ": " + e.Message);
        }

        var needsMetric = schedule.Schedule.NeedsMetric;
        foreach (var row in rows)
        {
            for (var g = 0; g < row.LearningRates.Count && g < scheduler.LastLearningRates.Count; g++)
            {
                var now = scheduler.LastLearningRates[g];
                var then = row.LearningRates[g];
                if (now != then)
                {
                    throw new TrainingInputException(
                        TrainingOption.Schedule,
                        string.Create(CultureInfo.InvariantCulture,
                            $"does not continue the run: at step {row.Step} it gives learning rate {now:R} (group {g}), but the run trained that step at {then:R}; a schedule given on resume must give the recorded learning rate at every step already run ({firstStep} to {start - 1})"));
                }
            }

            if (scheduler.MaxStep is { } max && scheduler.StepCount >= max)
            {
                continue;
            }

            if (!needsMetric)
            {
                scheduler.Step();
            }
            else if (row.ValidationLoss is { } v)
            {
                scheduler.Step(v);
            }
            else
            {
                scheduler.StepWithoutMetric();
            }
        }

        return SchedulerStateJson.Write(scheduler);
    }
}
