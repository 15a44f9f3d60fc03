using System.Globalization;
using Anneal.Cli.Inputs;

namespace Anneal.Cli.Rendering;

/// <summary>
/// <c>--format json</c>: one object, one row per line:
/// <code>
/// {"spec":{...every parameter...},"base_lrs":[0.1],"rows":[
/// {"step":0,"lr":[0.004],"momentum":[0.95]},
/// ...
/// ]}
/// </code>
/// <c>lr</c> (and <c>momentum</c>, present only when the schedule cycles it) hold one value per parameter group.
/// Numbers are round-trip exact; a non-finite value is written as a string (<c>"Infinity"</c>).
/// </summary>
internal static class JsonRenderer
{
    internal static void Write(ScheduleTrace trace, TextWriter output)
    {
        output.Write("{\"spec\":");
        output.Write(SpecJson(trace.Schedule));
        output.Write(",\"base_lrs\":");
        output.Write(Array(trace.Scheduler.BaseLearningRates));
        output.WriteLine(",\"rows\":[");
        for (var i = 0; i < trace.Rows.Count; i++)
        {
            var row = trace.Rows[i];
            output.Write("{\"step\":");
            output.Write(row.Step.ToString(CultureInfo.InvariantCulture));
            output.Write(",\"lr\":");
            output.Write(Array(row.LearningRates));
            if (row.Momenta is not null)
            {
                output.Write(",\"momentum\":");
                output.Write(Array(row.Momenta));
            }

            output.WriteLine(i + 1 < trace.Rows.Count ? "}," : "}");
        }

        output.WriteLine("]}");
    }

    private static string SpecJson(Schedule schedule) => schedule.HasJsonForm ? schedule.ToSpec().ToJsonString() : "null";

    private static string Array(IEnumerable<double> values) =>
        "[" + string.Join(',', values.Select(v => double.IsFinite(v) ? Numbers.Format(v) : $"\"{Numbers.Format(v)}\"")) + "]";
}
