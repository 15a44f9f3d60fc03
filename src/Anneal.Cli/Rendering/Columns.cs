namespace Anneal.Cli.Rendering;

/// <summary>Column names shared by every format: <c>lr</c> for one group, <c>lr0, lr1, ...</c> for several; same for momentum.</summary>
internal static class Columns
{
    internal static IEnumerable<string> Names(string prefix, int groups) =>
        groups == 1 ? [prefix] : Enumerable.Range(0, groups).Select(i => $"{prefix}{i}");

    internal static IEnumerable<string> All(ScheduleTrace trace) =>
        Names("lr", trace.GroupCount).Concat(trace.HasMomentum ? Names("momentum", trace.GroupCount) : []);

    internal static IEnumerable<double> Values(TraceRow row) => row.LearningRates.Concat(row.Momenta ?? []);
}
