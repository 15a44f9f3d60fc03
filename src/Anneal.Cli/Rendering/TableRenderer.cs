using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Anneal.Cli.Rendering;

/// <summary>
/// <c>--format table</c>: a Spectre.Console table of step / lr / momentum (all rows of a short run; of a long one the
/// first rows, every k-th and the last, as the caption says) and a one-line summary. Plain text without ANSI codes
/// unless standard output is a terminal.
/// </summary>
internal static class TableRenderer
{
    internal static void Write(ScheduleTrace trace, CliContext context)
    {
        var console = CreateConsole(context);
        var (indices, stride) = RowSample.Select(trace.Rows);
        var table = new Table { Border = context.OutIsTerminal ? TableBorder.Rounded : TableBorder.Markdown };
        table.Title = new TableTitle(Markup.Escape(trace.Schedule.TypeName));
        table.AddColumn(new TableColumn("step").RightAligned());
        foreach (var name in Columns.All(trace))
        {
            table.AddColumn(new TableColumn(name).RightAligned());
        }

        foreach (var i in indices)
        {
            var row = trace.Rows[i];
            var cells = Columns.Values(row).Select(Short).Prepend(row.Step.ToString(CultureInfo.InvariantCulture));
            table.AddRow([.. cells.Select(c => (IRenderable)new Text(c))]);
        }

        console.Write(table);
        if (indices.Count < trace.Rows.Count)
        {
            context.Out.WriteLine(
                $"showing {indices.Count} of {trace.Rows.Count} rows: the first {RowSample.Head}, every {stride}th step and the last; --format csv prints all");
        }

        context.Out.WriteLine(Summary(trace));
    }

    /// <summary>Per group: the smallest and largest learning rate (and where), and the last.</summary>
    internal static string Summary(ScheduleTrace trace)
    {
        var names = Columns.Names("lr", trace.GroupCount).ToArray();
        var parts = new List<string>();
        for (var g = 0; g < trace.GroupCount; g++)
        {
            var min = trace.Rows.MinBy(r => r.LearningRates[g])!;
            var max = trace.Rows.MaxBy(r => r.LearningRates[g])!;
            var last = trace.Rows[^1];
            parts.Add($"{names[g]} min {Short(min.LearningRates[g])} (step {min.Step}), max {Short(max.LearningRates[g])} (step {max.Step}), " +
                      $"end {Short(last.LearningRates[g])} (step {last.Step})");
        }

        return string.Join("; ", parts);
    }

    private static string Short(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a table of text cells to standard output: the first column not wrapped, the others right-aligned; rounded
    /// borders on a terminal, Markdown ones otherwise.
    /// </summary>
    internal static void WriteCells(CliContext context, IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        var table = new Table { Border = context.OutIsTerminal ? TableBorder.Rounded : TableBorder.Markdown };
        foreach (var (name, i) in header.Select((h, i) => (h, i)))
        {
            table.AddColumn(i == 0 ? new TableColumn(name).NoWrap() : new TableColumn(name).RightAligned());
        }

        foreach (var cells in rows)
        {
            table.AddRow([.. cells.Select(c => (IRenderable)new Text(c))]);
        }

        CreateConsole(context).Write(table);
    }

    internal static IAnsiConsole CreateConsole(CliContext context)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = context.OutIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = context.OutIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = context.OutIsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(context.Out),
        });
        if (!context.OutIsTerminal)
        {
            console.Profile.Width = CliContext.PlainWidth;
        }

        return console;
    }
}
