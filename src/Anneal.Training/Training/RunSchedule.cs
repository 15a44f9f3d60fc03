using System.Text.Json.Nodes;

namespace Anneal.Training;

/// <summary>
/// A run's schedule, resolved once (<see cref="SchedulePresets.Resolve"/> at the caller's edge, or
/// <see cref="FromSpec"/> from a checkpoint): the parsed <see cref="Anneal.Schedule"/> and its canonical JSON spec, which
/// the run directory records.
/// </summary>
/// <param name="Schedule">The schedule.</param>
/// <param name="Spec">Its canonical JSON spec (<see cref="ScheduleSpec.Write"/>; as given when the schedule has no canonical form).</param>
public sealed record RunSchedule(Schedule Schedule, string Spec)
{
    /// <summary>Parses a JSON spec.</summary>
    /// <exception cref="TrainingInputException">The spec is invalid (<see cref="TrainingOption.Schedule"/>; the message names the JSON path).</exception>
    public static RunSchedule FromSpec(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var schedule = ScheduleSpec.Parse(json);
            string canonical;
            try
            {
                canonical = ScheduleSpec.Write(schedule);
            }
            catch (NotSupportedException)
            {
                canonical = JsonNode.Parse(json)!.ToJsonString();
            }

            return new RunSchedule(schedule, canonical);
        }
        catch (ScheduleArgumentException e)
        {
            throw new TrainingInputException(TrainingOption.Schedule, ": " + e.Message);
        }
    }

    /// <summary>
    /// The steps the schedule is planned for (the core's <see cref="Schedule.HorizonFor"/>: <c>T_max</c>,
    /// <c>total_iters</c>, <c>total_steps</c>, <c>num_training_steps</c>, ...; for a schedule measured in tokens, the first
    /// step of <paramref name="tokensPerStep"/> tokens that reaches its horizon), or null when it has none.
    /// </summary>
    public long? HorizonSteps(int tokensPerStep) => Schedule.HorizonFor(tokensPerStep);

    /// <summary>The parameter that sets the horizon, for messages: <c>num_training_steps</c>, <c>T_max</c>, ... (<c>horizon</c> when unknown).</summary>
    public string HorizonParameter => Parameter(Schedule);

    private static string Parameter(Schedule s) => s switch
    {
        CosineAnnealingLR => "T_max",
        PolynomialLR or LinearLR or ConstantLR => "total_iters",
        OneCycleLR => "total_steps",
        Ramp => "num_steps",
        InTokens t => Parameter(t.Inner) + " (in tokens)",
        Warmup w => Parameter(w.Inner) + " + num_warmup_steps",
        SequentialLR q => Parameter(q.Children[^1]) + " + the last milestone",
        ChainedScheduler c => c.Children.Where(x => x.HorizonFor(0) is not null).MaxBy(x => x.HorizonFor(0)) is { } longest ? Parameter(longest) : "horizon",
        HuggingFaceWarmupSchedule or WarmupStableDecay or CosineWarmupWithMinLr => "num_training_steps",
        _ => "horizon",
    };
}
