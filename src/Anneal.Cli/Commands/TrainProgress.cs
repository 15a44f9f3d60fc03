using System.Globalization;
using Anneal.Training;
using Spectre.Console;

namespace Anneal.Cli.Commands;

/// <summary>
/// How <c>anneal train</c> (and <c>find-lr</c>) shows progress. Steps are numbered from 0, as in the run's files:
/// <c>step 20 (21/80)</c> is step 20, the 21st of 80.
/// </summary>
internal static class TrainProgress
{
    internal static string Line(StepReport r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"step {r.Step} ({r.Step + 1}/{r.TotalSteps})  loss {r.Loss:F4}  lr {r.LearningRates[0]:G4}  {r.TokensPerSecond:F0} tok/s  ETA {r.Eta:hh\\:mm\\:ss}");

    internal static string Header(RunInfo i) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{(i.InitFrom is { } o ? $"starting at step {o.Step} from {o.Checkpoint}" : i.StartStep > 0 ? $"resuming at step {i.StartStep}" : "training")}: {i.Parameters:N0} parameters, {i.TokensPerStep} tokens/step, vocabulary {i.VocabularySize}; data: {i.DataSource}; " +
            $"unigram baseline {i.UnigramBaseline:F4}{(i.EntropyFloor is { } f ? $", entropy floor {f:F4}" : "")} nats/token; schedule {i.ScheduleSpec}; out: {i.OutputDirectory}");

    internal static string Evaluation(int step, double loss) =>
        string.Create(CultureInfo.InvariantCulture, $"step {step}: validation loss {loss:F4}");

    internal static string Checkpoint(int steps, string path) =>
        string.Create(CultureInfo.InvariantCulture, $"checkpoint after {steps} steps: {path}");

    /// <summary>Plain lines (not a terminal): every 10th step and the last, every evaluation and checkpoint.</summary>
    internal sealed class Plain(TextWriter output) : ITrainingProgress
    {
        public void Started(RunInfo info)
        {
            output.WriteLine(Header(info));
            output.Flush();
        }

        public void Stepped(StepReport report)
        {
            if (report.Step % 10 == 0 || report.Step == report.TotalSteps - 1)
            {
                output.WriteLine(Line(report));
                output.Flush();
            }
        }

        public void Evaluated(int step, double validationLoss) => output.WriteLine(Evaluation(step, validationLoss));

        public void CheckpointSaved(int step, string path)
        {
            output.WriteLine(Checkpoint(step, path));
            output.Flush();
        }
    }

    /// <summary>A Spectre.Console progress bar whose description carries step, loss, LR, tokens/s and ETA.</summary>
    internal sealed class Bar(ProgressContext context) : ITrainingProgress
    {
        private ProgressTask? _task;

        public void Started(RunInfo info)
        {
            AnsiConsole.MarkupLine(Markup.Escape(Header(info)));
            _task = context.AddTask("starting", maxValue: info.TotalSteps);
            _task.Value = info.StartStep;
        }

        public void Stepped(StepReport report)
        {
            if (_task is null)
            {
                return;
            }

            _task.Description = Markup.Escape(Line(report));
            _task.Value = report.Step + 1;
        }

        public void Evaluated(int step, double validationLoss) => AnsiConsole.MarkupLine(Markup.Escape(Evaluation(step, validationLoss)));

        public void CheckpointSaved(int step, string path)
        {
        }
    }
}
