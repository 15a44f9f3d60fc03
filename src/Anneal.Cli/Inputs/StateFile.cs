namespace Anneal.Cli.Inputs;

/// <summary>A <c>--state-in</c> file: a scheduler state written by <c>--state-out</c> for the same spec and <c>--lr</c>.</summary>
internal static class StateFile
{
    /// <summary>Reads the state and checks it fits this schedule, these base learning rates and <paramref name="steps"/>.</summary>
    /// <exception cref="UsageException">The file is unreadable, not a state, or saved for another spec, <c>--lr</c> or a later step.</exception>
    internal static SchedulerState Read(string path, Schedule schedule, double[] lrs, long steps)
    {
        var text = InputFiles.ReadText(path, "state file");
        SchedulerState state;
        try
        {
            state = SchedulerStateJson.Read(text, schedule);
        }
        catch (ScheduleArgumentException e)
        {
            throw new UsageException($"--state-in '{path}': {e.Message}");
        }

        if (!state.BaseLearningRates.SequenceEqual(lrs))
        {
            throw new UsageException(
                $"--state-in '{path}' was saved with --lr {string.Join(',', state.BaseLearningRates.Select(Numbers.Format))} " +
                $"but this run has --lr {string.Join(',', lrs.Select(Numbers.Format))}; pass the same --lr to resume");
        }

        if (state.Step < 0 || state.Step > steps)
        {
            throw new UsageException($"--state-in '{path}' is at step {state.Step}, past --steps {steps}; pass --steps {state.Step} or more");
        }

        return state;
    }
}
