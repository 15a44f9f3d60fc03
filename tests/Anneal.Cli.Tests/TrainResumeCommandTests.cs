using System.CommandLine;
using System.Text.RegularExpressions;
using Anneal.Cli.Commands;
using Anneal.Cli.Reports;
using Anneal.Training;
using Anneal.Training.Runs;

namespace Anneal.Cli.Tests;

/// <summary><c>anneal train --resume</c>, <c>--init-from</c> and <c>--force</c> as a user meets them: exit codes, one-line errors and warnings, and commands that work.</summary>
public sealed class TrainResumeCommandTests : IDisposable
{
    private static readonly string[] Tiny =
    [
        "--layers", "1", "--heads", "2", "--dim", "16", "--context", "16", "--batch-size", "4", "--eval-every", "4", "--checkpoint-every", "4",
    ];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Dir(string name) => Path.Combine(_dir.Root, name);

    [Fact]
    public void ResumeSaysWhatItWillNotDoAndExtendsWhatItCan()
    {
        var run = Dir("wsd");
        const string Spec12 = """{"type":"warmup_stable_decay","num_warmup_steps":1,"num_decay_steps":4,"num_training_steps":12}""";
        const string Spec16 = """{"type":"warmup_stable_decay","num_warmup_steps":1,"num_decay_steps":4,"num_training_steps":16}""";

        // A horizon other than --steps: one warning line on stderr; the run goes on.
        var first = Cli.Run(["train", "--steps", "8", "--schedule", Spec12, "--out", run, .. Tiny]);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal("warning: --steps 8 stops before the schedule's horizon (num_training_steps = 12): the run ends before the schedule does\n", first.Error);
        var files = Snapshot(run);

        // Past the horizon: exit 2, the horizon and the fix, nothing touched.
        Cli.Fails(
            "error: --steps 20 goes past the schedule's horizon (num_training_steps = 12), after which its learning rate no longer follows its plan (a decay stays at its end value, cosine annealing climbs back); " +
            "to extend the run, resume with a --schedule that gives the recorded learning rates for its 8 steps and has a horizon of 20 (e.g. warmup-stable-decay with num_training_steps 20, before its cooldown starts), " +
            $"or start a new run from its checkpoint: anneal train --init-from {run} --out NEW_DIR --steps 20 --schedule SPEC",
            "train", "--resume", run, "--steps", "20");
        Cli.Fails("error: --lr cannot be given with --resume: a resumed run keeps its options (only --steps, --schedule and --device may change)", "train", "--resume", run, "--lr", "1");
        Assert.Equal(files, Snapshot(run));

        // Before its cooldown (step 8 of 12), the longer WSD repeats every recorded learning rate: accepted.
        var grown = Cli.Run("train", "--resume", run, "--steps", "16", "--schedule", Spec16);
        Assert.True(grown.ExitCode == 0, grown.Error);
        Assert.Equal("", grown.Error);
        Assert.StartsWith("resuming at step 8: ", grown.OutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("16 steps (8 this session), ", grown.OutLines[^1], StringComparison.Ordinal);
        var history = new RunDirectory(run).ReadHistory();
        var spec = ScheduleSpec.Parse(Spec16);
        Assert.Equal(Enumerable.Range(0, 16).Select(t => spec.LearningRate(t, 3e-3)), history.LearningRates(0));

        // curves.png is drawn from the whole history (both sessions).
        var redrawn = Path.Combine(_dir.Root, "redrawn.png");
        var summary = new RunDirectory(run).ReadSummary()!;
        RunCurvesPlot.Save(redrawn, history, summary.EntropyFloorNatsPerToken, summary.UnigramNatsPerToken);
        Assert.Equal(File.ReadAllBytes(redrawn), File.ReadAllBytes(Path.Combine(run, "curves.png")));

        // Finished, and resumed without new steps: says so, changes nothing.
        files = Snapshot(run);
        var again = Cli.Ok("train", "--resume", run);
        Assert.Equal([$"{run}: the run is finished (16 steps); nothing was trained or changed"], again.OutLines);
        Assert.Equal(files, Snapshot(run));
    }

    [Fact]
    public void ADivergedRunPrintsTheInitFromCommandThatRestartsIt()
    {
        var run = Dir("boom");
        var result = Cli.Run(["train", "--steps", "40", "--optimizer", "sgd", "--lr", "0.3", "--schedule", """{"type":"MultiStepLR","milestones":[12],"gamma":3000}""", "--out", run, .. Tiny]);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var match = Regex.Match(error, @"^error: the training loss (exploded to \S+, above max\(initial loss [\d.]+, 2 x best smoothed loss [\d.]+\) = [\d.]+|became NaN) at step (?<step>\d+) \(lr 900\); the step was not applied; " +
                                       @"the last checkpoint before the loss exploded is '(?<file>[^']+)' \(after (?<good>\d+) steps\); restart from its last good checkpoint at a lower learning rate: (?<command>anneal train .+)$");
        Assert.True(match.Success, error);
        Assert.Equal(Path.Combine(run, "checkpoint.bin"), match.Groups["file"].Value);
        var good = match.Groups["good"].Value;
        Assert.Equal($"anneal train --init-from {run}@{good} --out {run}-restart --lr 0.15", match.Groups["command"].Value);

        // The printed command runs as printed and goes on from the good checkpoint.
        var restart = Cli.Run(match.Groups["command"].Value.Split(' ')[1..]);
        Assert.True(restart.ExitCode == 0, restart.Error);
        Assert.StartsWith($"starting at step {good} from ", restart.OutLines[0], StringComparison.Ordinal);
        Assert.Equal(int.Parse(good, System.Globalization.CultureInfo.InvariantCulture), new RunDirectory(run + "-restart").ReadHistory().Steps[0]);

        // Resuming the diverged run in place would diverge again: refused, pointing at the same restart.
        Cli.Fails(
            $"error: --resume: '{run}' diverged at step {match.Groups["step"].Value} (lr 900); resuming it would train into the same divergence; " +
            $"restart from its last good checkpoint at a lower learning rate: anneal train --init-from {run}@{good} --out {run}-restart --lr 0.15",
            "train", "--resume", run);
    }

    [Fact]
    public void InitFromAndForceRefuseWhatWouldMixRuns()
    {
        var run = Dir("source");
        Cli.Ok(["train", "--steps", "8", "--schedule", "constant", "--out", run, .. Tiny]);
        Cli.Fails($"error: --init-from: '{run}' has no checkpoint after 6 steps (it has checkpoints after 4, 8 steps)", "train", "--init-from", run + "@6", "--out", Dir("x"));
        Cli.Fails("error: --dim cannot be given with --init-from: the new run keeps the model, data and optimizer of the checkpoint (--schedule, --lr, --steps, --eval-every, --checkpoint-every and --device may change)",
            "train", "--init-from", run, "--dim", "8", "--out", Dir("x"));
        Cli.Fails("error: --init-from 'runs/x@four': STEP after '@' must be a whole number of steps, as in --init-from runs/x@400", "train", "--init-from", "runs/x@four");
        Cli.Fails($"error: --out '{run}' already holds a run; continue it with: anneal train --resume {run}", "train", "--out", run, "--steps", "3");

        var branch = Cli.Run("train", "--init-from", run + "@4", "--steps", "10", "--out", Dir("branch"));
        Assert.Equal(0, branch.ExitCode);
        Assert.Equal("", branch.Error); // the default preset's horizon is the new --steps
        Assert.Equal(Enumerable.Range(4, 6), new RunDirectory(Dir("branch")).ReadHistory().Steps);

        var forced = Cli.Ok(["train", "--steps", "3", "--out", run, "--force", .. Tiny]);
        Assert.StartsWith("training: ", forced.OutLines[0], StringComparison.Ordinal);
        Assert.Equal(3, new RunDirectory(run).ReadSummary()!.StepsDone);
    }

    [Fact]
    public void ErrorsNameOnlyTheFlagsOfTheCommand()
    {
        var context = new CliContext(TextWriter.Null, TextWriter.Null, false);
        var train = new OptionFlags(TrainCommand.Create(context));
        var compare = new OptionFlags(CompareCommand.Create(context));
        var findLr = new OptionFlags(FindLrCommand.Create(context), (TrainingOption.Steps, "--train-steps"), (TrainingOption.SweepSteps, "--steps"));
        Assert.Equal("the number of validation batches", train.Name(TrainingOption.EvalBatches)); // train has no --eval-batches
        Assert.Equal("--eval-batches", compare.Name(TrainingOption.EvalBatches));
        Assert.Equal("--train-steps", findLr.Name(TrainingOption.Steps));
        Assert.Equal("--steps", findLr.Name(TrainingOption.SweepSteps));
        Assert.Equal("the evaluation interval", findLr.Name(TrainingOption.EvalEvery));
        Assert.Equal("beta1", train.Name(TrainingOption.Beta1));

        // Every flag an error can name is one the command has.
        foreach (var (flags, command) in new[] { (train, TrainCommand.Create(context)), (compare, CompareCommand.Create(context)), (findLr, FindLrCommand.Create(context)) })
        {
            var names = command.Options.Select(o => o.Name).ToHashSet();
            foreach (var option in Enum.GetValues<TrainingOption>())
            {
                var name = flags.Name(option);
                Assert.True(!name.StartsWith("--", StringComparison.Ordinal) || names.Contains(name), $"{command.Name}: {option} -> {name}");
            }
        }

        Cli.Fails("error: --train-steps must be >= 1 (was 0)", "find-lr", "--train-steps", "0");
    }

    private static Dictionary<string, byte[]> Snapshot(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "lock").ToDictionary(f => f, File.ReadAllBytes);
}
