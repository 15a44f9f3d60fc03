
namespace Anneal.Training.Laws;

/// <summary>The learning rate of every optimizer step of a schedule, as the trainer would set them.</summary>
public static class ScheduleRates
{
    /// <summary>
    /// The learning rates of steps 0 .. <paramref name="steps"/> - 1 under <paramref name="schedule"/> with base learning
    /// rate <paramref name="baseLr"/>, driven by a <see cref="Scheduler"/> as <c>anneal train</c> drives it (held at the
    /// last defined step past a <see cref="Schedule.MaxStep"/>).
    /// </summary>
    /// <exception cref="LawInputException">The schedule needs validation losses (reduce-on-plateau) or is invalid for one group.</exception>
    public static double[] Of(Schedule schedule, int steps, double baseLr, long tokensPerStep)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.NeedsMetric)
        {
            throw new LawInputException(LawOption.Schedule, ": a schedule with reduce-on-plateau follows the validation losses, which a law does not know; give a schedule of the step alone");
        }

        try
        {
            var scheduler = new Scheduler(schedule, [new ParamGroup(baseLr, MomentumKind.Beta1, 0.9)], null, tokensPerStep);
            var rates = new double[steps];
            for (var t = 0; t < steps; t++)
            {
                rates[t] = scheduler.LastLearningRates[0];
                if (t + 1 < steps && (scheduler.MaxStep is not { } max || scheduler.StepCount < max))
                {
                    scheduler.Step();
                }
            }

            return rates;
        }
        catch (ScheduleArgumentException e)
        {
            throw new LawInputException(LawOption.Schedule, ": " + e.Message);
        }
    }
}
