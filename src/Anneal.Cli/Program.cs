using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Anneal.Cli.Commands;

namespace Anneal.Cli;

/// <summary>The <c>anneal</c> entry point: builds the command tree, turns every failure into one <c>error:</c> line.</summary>
internal static class Program
{
    /// <summary>Exit code of a run whose input was wrong (bad spec, file or option).</summary>
    internal const int UsageError = 2;

    /// <summary>Exit code of a fault (a failed write, a diverged run) or a bug: an exception no input check expected.</summary>
    internal const int InternalError = 1;

    private static int Main(string[] args)
    {
        if (!Console.IsOutputRedirected)
        {
            // Spectre.Console sizes and colors its output only when it writes to Console.Out itself.
            return Run(args, Console.Out, Console.Error, stdoutIsTerminal: true);
        }

        // Console.Out flushes on every write: a million CSV rows would take seconds more.
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
        return Run(args, stdout, Console.Error);
    }

    /// <summary>Runs the command line <paramref name="args"/> and returns the exit code; all output goes to the two writers.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool stdoutIsTerminal = false)
    {
        var context = new CliContext(stdout, stderr, stdoutIsTerminal);
        try
        {
            var parse = BuildRootCommand(context).Parse(args);
            if (parse.Action is ParseErrorAction)
            {
                return Fail(stderr, ParseErrors.Describe(parse));
            }

            if (parse.Action is HelpAction help && !stdoutIsTerminal)
            {
                help.MaxWidth = CliContext.PlainWidth;
            }

            return parse.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e) when (IsInputError(e))
        {
            return Fail(stderr, e.Message);
        }
        catch (Exception e) when (e is FaultException or IOException or UnauthorizedAccessException)
        {
            // A fault, not bad input: everything written before it is intact, and the message says how to go on.
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return InternalError;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: internal error: {OneLine(e.Message)}");
            return InternalError;
        }
    }

    /// <summary>The root command: one subcommand per verb (each in <c>Commands/</c>).</summary>
    internal static Command BuildRootCommand(CliContext context)
    {
        // A plain Command named "anneal" rather than RootCommand, whose name is the host process's (testhost, dotnet).
        var root = new Command("anneal", "Learning-rate schedules for LM training: print, plot and resume a schedule given as a JSON spec.")
        {
            new HelpOption(),
            new VersionOption(),
            ScheduleCommand.Create(context),
            TrainCommand.Create(context),
            FindLrCommand.Create(context),
            CompareCommand.Create(context),
            PrepareCommand.Create(context),
            FitCommand.Create(context),
            PredictCommand.Create(context),
            OptimizeCommand.Create(context),
        };
        return root;
    }

    private static bool IsInputError(Exception e) =>
        e is ArgumentException or InvalidOperationException or UsageException;

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {OneLine(message)}");
        return UsageError;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
