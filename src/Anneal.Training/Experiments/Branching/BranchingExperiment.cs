using Anneal.Training.Runs;

namespace Anneal.Training.Experiments;

/// <summary>One branched cooldown, measured.</summary>
/// <param name="Budget">Its budget.</param>
/// <param name="FinalValidationLoss">Validation loss at the end of the budget (null when it diverged).</param>
/// <param name="BudgetTokens">Training tokens of the budget (what a separate run costs).</param>
/// <param name="CooldownTokens">Training tokens of the cooldown alone (what the branch costs).</param>
/// <param name="History">The branch's history (steps from its branch step on).</param>
public sealed record BranchResult(BranchBudget Budget, double? FinalValidationLoss, long BudgetTokens, long CooldownTokens, RunHistory History);

/// <summary>The outcome of the branching experiment.</summary>
/// <param name="Plan">The plan.</param>
/// <param name="Branches">The branches, smallest budget first.</param>
/// <param name="StableHistory">The stable run's history.</param>
/// <param name="StableTokens">Training tokens of the stable run.</param>
/// <param name="TokensSpent">Stable run plus every cooldown.</param>
/// <param name="SeparateTokens">What separate runs of every budget would have cost: the sum of the budgets.</param>
/// <param name="WallSeconds">Wall time of the stable run and the branches.</param>
/// <param name="LearningRate">The peak learning rate of every piece.</param>
/// <param name="Seed">The seed of every piece.</param>
public sealed record BranchingReport(BranchingPlan Plan, IReadOnlyList<BranchResult> Branches, RunHistory StableHistory, long StableTokens, long TokensSpent, long SeparateTokens, double WallSeconds, double LearningRate, int Seed);

/// <summary>
/// Runs the branching plan into a directory: <c>stable/</c> (the stable run, which keeps its checkpoint at each branch
/// step as <c>checkpoints/step-K.bin</c>) and one <c>branch-F/</c> per budget (<see cref="Trainer.InitFrom"/> the stable
/// run at T - D with the budget's spec). Every piece is skipped when done and resumed when interrupted.
/// </summary>
internal sealed class BranchingExperiment(TrainingOptions training, BranchingPlan plan, string directory)
{
    private readonly RunSchedule _stableSchedule = RunSchedule.FromSpec(plan.StableSpec);

    private RunDirectory Stable => new(Path.Combine(directory, "stable"));

    /// <summary>The stable run and the branches as planned runs, numbered from <paramref name="firstIndex"/>.</summary>
    public List<PlannedRun> Plans(int firstIndex)
    {
        Compare.CheckSameRun(Stable.Path, training, _stableSchedule.Spec, ignoreSteps: true);
        var branches = new List<PlannedRun>();
        foreach (var b in plan.Budgets)
        {
            var p = Compare.Plan(firstIndex + 1 + branches.Count, b.Name.Replace('-', ' '), Path.Combine(directory, b.Name), b.Budget);
            Compare.CheckSameRun(p.Directory, training with { Steps = b.Budget }, RunSchedule.FromSpec(b.Spec).Spec);
            branches.Add(new RunDirectory(p.Directory).HasCheckpoint || p.Done ? p : p with { StartStep = b.BranchStep });
        }

        // The stable run is done once the last branch step's checkpoint is kept, or every branch is done (a committed
        // report keeps no checkpoints, and running its command again must not retrain anything).
        var stableDone = branches.All(p => p.Done) || HasKept(plan.StableSteps);
        var stable = Compare.Plan(firstIndex, "wsd stable", Stable.Path, plan.StableSteps);
        return [stable with { Done = stableDone, StartStep = stableDone ? plan.StableSteps : stable.StartStep }, .. branches];
    }

    /// <summary>Runs what is not done; null when cancelled.</summary>
    public BranchingReport? Run(IReadOnlyList<PlannedRun> plans, ICompareProgress progress, CancellationToken cancellation)
    {
        // ---- the stable run, stopping at each branch step to keep its checkpoint
        var stablePlan = plans[0];
        var stableProgress = new StableProgress(progress);
        foreach (var step in plan.Budgets.Select(b => b.BranchStep).Distinct())
        {
            var needed = plan.Budgets.Select((b, i) => (b, i)).Any(p => p.b.BranchStep == step && !plans[p.i + 1].Done && !new RunDirectory(plans[p.i + 1].Directory).HasCheckpoint);
            if (!needed || HasKept(step))
            {
                continue;
            }

            var at = Stable.HasCheckpoint ? Stable.ReadCheckpoint(null, out _).Header.Step : 0;
            if (at > step)
            {
                throw new TrainingInputException(null, $"'{Stable.Path}' is at step {at}, past the branch step {step} whose checkpoint is missing; delete '{directory}' to redo the branching");
            }

            if (at < step)
            {
                var result = Compare.TrainOrResume(stablePlan with { StartStep = at }, training, _stableSchedule, stableProgress, cancellation, step);
                if (result.Status == TrainingStatus.Cancelled)
                {
                    return null;
                }

                if (result.Status == TrainingStatus.Diverged)
                {
                    throw new TrainingInputException(null, $"the branching's stable run diverged: {result.Message}");
                }
            }

            using var hold = Stable.Lock();
            Stable.KeepCheckpoint(step);
        }

        // ---- one cooldown per budget, branched off the stable run's checkpoint at T - D
        for (var i = 0; i < plan.Budgets.Count; i++)
        {
            var b = plan.Budgets[i];
            var p = plans[i + 1];
            if (p.Done)
            {
                continue;
            }

            TrainingResult result;
            var schedule = RunSchedule.FromSpec(b.Spec);
            if (new RunDirectory(p.Directory).HasCheckpoint)
            {
                result = Compare.TrainOrResume(p, training with { Steps = b.Budget }, schedule, progress, cancellation);
            }
            else
            {
                using var hold = RunLock.Acquire(p.Directory);
                var sink = progress.Starting(p);
                result = Trainer.InitFrom(Stable.Path, b.BranchStep, training with { Steps = b.Budget }, schedule, p.Directory, force: true, sink, cancellation);
                progress.Finished(p, result);
            }

            if (result.Status == TrainingStatus.Cancelled)
            {
                return null;
            }
        }

        return Measure();
    }

    private bool HasKept(int step) => File.Exists(Path.Combine(Stable.Path, RunDirectory.KeptCheckpointsFolder, $"step-{step}.bin"));

    private BranchingReport Measure()
    {
        long tokensPerStep = training.TokensPerStep;
        var branches = new List<BranchResult>();
        var wall = Stable.ReadSummary()?.WallSeconds ?? 0;
        foreach (var b in plan.Budgets)
        {
            var run = new RunDirectory(Path.Combine(directory, b.Name));
            var summary = run.ReadSummary() ?? throw new TrainingInputException(null, $"'{run.Path}' has no {RunDirectory.SummaryFile}");
            var final = summary.Status == TrainingStatus.Completed ? summary.FinalValLoss : null;
            wall += summary.WallSeconds;
            branches.Add(new BranchResult(b, final, b.Budget * tokensPerStep, b.DecaySteps * tokensPerStep, run.ReadHistory()));
        }

        var stableTokens = plan.StableSteps * tokensPerStep;
        return new BranchingReport(
            plan,
            branches,
            Stable.ReadHistory(),
            stableTokens,
            stableTokens + branches.Sum(b => b.CooldownTokens),
            branches.Sum(b => b.BudgetTokens),
            wall,
            training.LearningRate,
            training.Seed);
    }

    /// <summary>The stable run stops before its schedule's horizon on purpose: its progress goes on without that warning.</summary>
    private sealed class StableProgress(ICompareProgress inner) : ICompareProgress
    {
        public void Planned(IReadOnlyList<PlannedRun> runs) => inner.Planned(runs);

        public ITrainingProgress Starting(PlannedRun run) => new WithoutHorizonWarning(inner.Starting(run));

        public void Finished(PlannedRun run, TrainingResult result) => inner.Finished(run, result);
    }

    private sealed class WithoutHorizonWarning(ITrainingProgress inner) : ITrainingProgress
    {
        public void Started(RunInfo info) => inner.Started(info);

        public void Stepped(StepReport report) => inner.Stepped(report);

        public void Evaluated(int step, double validationLoss) => inner.Evaluated(step, validationLoss);

        public void CheckpointSaved(int step, string path) => inner.CheckpointSaved(step, path);

        public void Warned(TrainingWarning warning)
        {
            if (warning.Option != TrainingOption.Steps)
            {
                inner.Warned(warning);
            }
        }
    }
}
