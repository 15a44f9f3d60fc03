using Anneal.Cli.Inputs;

namespace Anneal.Cli.Rendering;

/// <summary><c>--format csv</c>: a header <c>step,lr</c> (<c>step,lr0,lr1,...</c>; then momentum columns when cycled), one row per step.</summary>
internal static class CsvRenderer
{
    internal static void Write(ScheduleTrace trace, TextWriter output)
    {
        output.WriteLine(string.Join(',', Columns.All(trace).Prepend("step")));
        foreach (var row in trace.Rows)
        {
            output.Write(row.Step.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var value in Columns.Values(row))
            {
                output.Write(',');
                output.Write(Numbers.Format(value));
            }

            output.WriteLine();
        }
    }
}
