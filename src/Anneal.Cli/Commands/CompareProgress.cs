using System.Globalization;
using Anneal.Training;
using Anneal.Training.Experiments;
using Spectre.Console;

namespace Anneal.Cli.Commands;

/// <summary>How <c>anneal compare</c> shows its progress: plain lines when not a terminal, two bars when it is.</summary>
internal static class CompareProgress
{
    internal static string Outcome(TrainingResult r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{r.Status.ToString().ToLowerInvariant()}, final validation loss {(r.FinalValidationLoss is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-")}, {r.Elapsed.TotalSeconds:F0} s{(r.Status == TrainingStatus.Diverged ? ": " + r.Message : "")}");

    private static string Line(string name, StepReport r) => $"{name}: {TrainProgress.Line(r)}";

    /// <summary>Plain lines: one when each run starts and ends, and the trainer's every 50th step.</summary>
    internal sealed class Plain(CliContext context, OptionFlags flags) : ICompareProgress
    {
        private readonly TextWriter output = context.Out;
        private int _count;

        public void Planned(IReadOnlyList<PlannedRun> runs)
        {
            _count = runs.Count;
            var done = runs.Where(r => r.Done).ToList();
            if (done.Count > 0)
            {
                output.WriteLine($"{done.Count} of {runs.Count} runs finished earlier, skipped{(done.Count <= 12 ? ": " + string.Join(", ", done.Select(r => r.Name)) : "")}");
            }

            output.Flush();
        }

        public ITrainingProgress Starting(PlannedRun run)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{run.Index + 1}/{_count}] {run.Name}: {(run.StartStep > 0 ? $"resuming at step {run.StartStep}" : "training")} to step {run.TotalSteps} ({run.Directory})"));
            output.Flush();
            return new Lines(output, run.Name, context, flags);
        }

        public void Finished(PlannedRun run, TrainingResult result)
        {
            output.WriteLine($"[{run.Index + 1}/{_count}] {run.Name}: {Outcome(result)}");
            output.Flush();
        }

        private sealed class Lines(TextWriter output, string name, CliContext context, OptionFlags flags) : ITrainingProgress
        {
            public void Warned(TrainingWarning warning) => context.Error.WriteLine($"warning: {name}: {flags.Render(warning)}");

            public void Started(RunInfo info)
            {
            }

            public void Stepped(StepReport report)
            {
                if ((report.Step + 1) % 50 == 0)
                {
                    output.WriteLine("  " + Line(name, report));
                    output.Flush();
                }
            }

            public void Evaluated(int step, double validationLoss)
            {
            }

            public void CheckpointSaved(int step, string path)
            {
            }
        }
    }

    /// <summary>Two Spectre.Console bars: the runs done of those planned, and the current run with step, loss, LR, tokens/s and ETA.</summary>
    internal sealed class Bars(ProgressContext context, CliContext cli, OptionFlags flags) : ICompareProgress
    {
        private ProgressTask? _all;
        private ProgressTask? _current;
        private int _count;

        public void Planned(IReadOnlyList<PlannedRun> runs)
        {
            _count = runs.Count;
            var done = runs.Count(r => r.Done);
            _all = context.AddTask(Markup.Escape(AllText(done)), autoStart: true, maxValue: Math.Max(1, runs.Count));
            _all.Value = done;
        }

        public ITrainingProgress Starting(PlannedRun run)
        {
            _current ??= context.AddTask("", autoStart: true);
            _current.MaxValue = run.TotalSteps;
            _current.Value = run.StartStep;
            _current.Description = Markup.Escape($"{run.Name}: starting");
            return new Bar(_current, run.Name, cli, flags);
        }

        public void Finished(PlannedRun run, TrainingResult result)
        {
            if (result.Status != TrainingStatus.Cancelled && _all is not null)
            {
                _all.Increment(1);
                _all.Description = Markup.Escape(AllText((int)_all.Value) + $"; last: {run.Name}: {Outcome(result)}");
            }
        }

        private string AllText(int done) => $"runs: {done} of {_count} done";

        private sealed class Bar(ProgressTask task, string name, CliContext cli, OptionFlags flags) : ITrainingProgress
        {
            public void Warned(TrainingWarning warning) => cli.Error.WriteLine($"warning: {name}: {flags.Render(warning)}");

            public void Started(RunInfo info) => task.Value = info.StartStep;

            public void Stepped(StepReport report)
            {
                task.Description = Markup.Escape(Line(name, report));
                task.Value = report.Step + 1;
            }

            public void Evaluated(int step, double validationLoss)
            {
            }

            public void CheckpointSaved(int step, string path)
            {
            }
        }
    }
}
