using System.Globalization;
using Anneal.Training.Data;

namespace Anneal.Training.Experiments;

/// <summary>The warmup-stable-decay branching experiment (<c>anneal compare --branch-at 0.25,0.5,1</c>).</summary>
public sealed record BranchingOptions
{
    /// <summary>The budgets, as fractions of the comparison's steps, each in (0, 1].</summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.25, 0.5, 1.0];

    /// <summary>The cooldown's share of each budget (Hägele et al. 2024: 20%).</summary>
    public double DecayFraction { get; init; } = 0.2;

    /// <summary>The cooldown's shape: <c>1-sqrt</c>, <c>linear</c> or <c>cosine</c>.</summary>
    public string DecayShape { get; init; } = "1-sqrt";
}

/// <summary>One budget of the branching experiment.</summary>
/// <param name="Fraction">The budget as a fraction of the comparison's steps.</param>
/// <param name="Budget">T: the budget in steps, <c>round(fraction × steps)</c>.</param>
/// <param name="DecaySteps">D: the cooldown's steps, <c>max(1, floor(decay_fraction × T))</c> (T / 5 for 20%, as the <c>wsd-1sqrt</c> preset).</param>
/// <param name="BranchStep">T - D: the step the cooldown starts at, where the branch leaves the stable run.</param>
/// <param name="Spec">The <c>warmup_stable_decay</c> spec of a separate run with this budget, which the branch follows step for step.</param>
public sealed record BranchBudget(double Fraction, int Budget, int DecaySteps, int BranchStep, string Spec)
{
    /// <summary>The run directory name: <c>branch-0.25</c>.</summary>
    public string Name => "branch-" + Fraction.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>
/// The branching plan. Every budget T shares one warmup W = max(1, steps / 20) (that of the full budget, and of the
/// <c>wsd-1sqrt</c> preset at the comparison's steps), so the separate run a branch stands for is
/// <c>warmup_stable_decay(W, D, T)</c>; those runs all equal one another up to their cooldowns. The stable run is the
/// largest budget's spec trained only up to its branch step, checkpointed at every branch step on the way.
/// </summary>
/// <param name="Warmup">W, shared by every budget.</param>
/// <param name="Budgets">The budgets, smallest first.</param>
/// <param name="StableSpec">The stable run's schedule: the largest budget's spec (its learning rates before any branch step equal every budget's).</param>
/// <param name="StableSteps">How far the stable run goes: the largest branch step.</param>
/// <param name="DecayFraction">The cooldown's share of each budget.</param>
/// <param name="DecayShape">The cooldown's shape.</param>
public sealed record BranchingPlan(int Warmup, IReadOnlyList<BranchBudget> Budgets, string StableSpec, int StableSteps, double DecayFraction, string DecayShape)
{
    /// <summary>The spec of a warmup-stable-decay run with W warmup steps, D cooldown steps of <paramref name="shape"/> and T steps in all.</summary>
    public static string WsdSpec(int warmup, int decay, int total, string shape) =>
        $$"""{"type":"warmup_stable_decay","num_warmup_steps":{{warmup}},"num_decay_steps":{{decay}},"num_training_steps":{{total}},"decay_type":"{{shape}}"}""";

    /// <summary>Plans the budgets for a comparison of <paramref name="steps"/> steps.</summary>
    /// <exception cref="TrainingInputException">A fraction outside (0, 1], two fractions giving the same budget, a bad decay fraction or shape, or a cooldown that would start inside the warmup.</exception>
    public static BranchingPlan Create(int steps, BranchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Fractions.Count == 0)
        {
            throw new TrainingInputException("--branch-at needs at least one budget fraction, e.g. --branch-at 0.25,0.5,1");
        }

        if (!(options.DecayFraction > 0 && options.DecayFraction < 1))
        {
            throw new TrainingInputException($"--decay-fraction must be in (0, 1) (was {Show(options.DecayFraction)})");
        }

        if (options.DecayShape is not ("1-sqrt" or "linear" or "cosine"))
        {
            throw new TrainingInputException($"--decay-shape must be 1-sqrt, linear or cosine (was '{options.DecayShape}')");
        }

        var warmup = Math.Max(1, steps / 20);
        var budgets = new List<BranchBudget>();
        foreach (var f in options.Fractions.Order())
        {
            if (!(f > 0 && f <= 1))
            {
                throw new TrainingInputException($"--branch-at fractions must be in (0, 1] (was {Show(f)})");
            }

            var total = (int)Math.Round(f * steps, MidpointRounding.AwayFromZero);
            var decay = Math.Max(1, (int)Math.Floor((total * options.DecayFraction) + 1e-9));
            var branch = total - decay;
            if (budgets.Any(b => b.Budget == total))
            {
                throw new TrainingInputException($"--branch-at {Show(f)} gives the same budget ({total} steps) as another fraction");
            }

            if (branch < warmup)
            {
                throw new TrainingInputException(
                    $"--branch-at {Show(f)}: the cooldown of a {total}-step budget would start at step {branch}, inside the {warmup}-step warmup; use larger fractions or more --steps");
            }

            budgets.Add(new BranchBudget(f, total, decay, branch, WsdSpec(warmup, decay, total, options.DecayShape)));
        }

        var last = budgets[^1];
        return new BranchingPlan(warmup, budgets, last.Spec, last.BranchStep, options.DecayFraction, options.DecayShape);
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>One branched cooldown, measured.</summary>
/// <param name="Budget">Its budget.</param>
/// <param name="FinalValidationLoss">Validation loss at the end of the budget (null when it diverged).</param>
/// <param name="BudgetTokens">Training tokens of the budget (what a separate run costs).</param>
/// <param name="CooldownTokens">Training tokens of the cooldown alone (what the branch costs).</param>
/// <param name="Curves">The branch's curves (steps from its branch step on).</param>
public sealed record BranchResult(BranchBudget Budget, double? FinalValidationLoss, long BudgetTokens, long CooldownTokens, RunCurves Curves);

/// <summary>The outcome of the branching experiment.</summary>
/// <param name="Plan">The plan.</param>
/// <param name="Branches">The branches, smallest budget first.</param>
/// <param name="StableCurves">The stable run's curves.</param>
/// <param name="StableTokens">Training tokens of the stable run.</param>
/// <param name="TokensSpent">Stable run plus every cooldown.</param>
/// <param name="SeparateTokens">What separate runs of every budget would have cost: the sum of the budgets.</param>
/// <param name="WallSeconds">Wall time of the stable run and the branches.</param>
public sealed record BranchingReport(BranchingPlan Plan, IReadOnlyList<BranchResult> Branches, RunCurves StableCurves, long StableTokens, long TokensSpent, long SeparateTokens, double WallSeconds);

/// <summary>
/// Runs the branching plan into a directory: <c>stable/</c> (the stable run), <c>checkpoints/step-K/</c> (its
/// checkpoint at each branch step) and one <c>branch-F/</c> per budget (<see cref="Trainer.Branch"/> from the checkpoint at
/// T - D with the budget's spec). Every piece is skipped when done and resumed when interrupted.
/// </summary>
internal sealed class BranchingExperiment(TrainingOptions training, BranchingPlan plan, string directory)
{
    private readonly TrainingOptions _stableOptions = training with { Schedule = plan.StableSpec };

    private string StableDirectory => Path.Combine(directory, "stable");

    private string Snapshot(int step) => Path.Combine(directory, "checkpoints", $"step-{step}");

    /// <summary>The stable run and the branches as planned runs, numbered from <paramref name="firstIndex"/>.</summary>
    public List<PlannedRun> Plans(int firstIndex)
    {
        Compare.CheckSameRun(StableDirectory, _stableOptions, ignoreSteps: true);
        var branches = new List<PlannedRun>();
        foreach (var b in plan.Budgets)
        {
            var p = Compare.Plan(firstIndex + 1 + branches.Count, b.Name.Replace('-', ' '), Path.Combine(directory, b.Name), b.Budget);
            Compare.CheckSameRun(p.Directory, _stableOptions with { Schedule = b.Spec, Steps = b.Budget });
            branches.Add(Checkpoint.Exists(p.Directory) || p.Done ? p : p with { StartStep = b.BranchStep });
        }

        // The stable run is done once every branch step's checkpoint is kept, or every branch is done (a committed
        // report keeps no checkpoints, and running its command again must not retrain anything).
        var stableDone = branches.All(p => p.Done) || Checkpoint.Exists(Snapshot(plan.StableSteps));
        var stable = Compare.Plan(firstIndex, "wsd stable", StableDirectory, plan.StableSteps);
        return [stable with { Done = stableDone, StartStep = stableDone ? plan.StableSteps : stable.StartStep }, .. branches];
    }

    /// <summary>Runs what is not done; null when cancelled.</summary>
    public BranchingReport? Run(IReadOnlyList<PlannedRun> plans, ICompareProgress progress, CancellationToken cancellation)
    {
        // ---- the stable run, stopping at each branch step to keep its checkpoint
        var stablePlan = plans[0];
        foreach (var step in plan.Budgets.Select(b => b.BranchStep).Distinct())
        {
            var snapshot = Snapshot(step);
            var needed = plan.Budgets.Select((b, i) => (b, i)).Any(p => p.b.BranchStep == step && !plans[p.i + 1].Done && !Checkpoint.Exists(plans[p.i + 1].Directory));
            if (!needed || Checkpoint.Exists(snapshot))
            {
                continue;
            }

            var at = Checkpoint.Exists(StableDirectory) ? Checkpoint.ReadHeader(StableDirectory)["next_step"]!.GetValue<int>() : 0;
            if (at > step)
            {
                throw new TrainingInputException($"'{StableDirectory}' is at step {at}, past the branch step {step} whose checkpoint is missing; delete '{directory}' to redo the branching");
            }

            if (at < step)
            {
                var result = Compare.TrainOrResume(stablePlan with { StartStep = at }, _stableOptions, progress, cancellation, step);
                if (result.Status == TrainingStatus.Cancelled)
                {
                    return null;
                }

                if (result.Status == TrainingStatus.Diverged)
                {
                    throw new TrainingInputException($"the branching's stable run diverged: {result.Message}");
                }
            }

            Directory.CreateDirectory(snapshot);
            var target = Path.Combine(snapshot, Checkpoint.FileName);
            File.Copy(Path.Combine(StableDirectory, Checkpoint.FileName), target + ".tmp", overwrite: true);
            File.Move(target + ".tmp", target, overwrite: true);
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
            if (Checkpoint.Exists(p.Directory))
            {
                result = Compare.TrainOrResume(p, _stableOptions, progress, cancellation);
            }
            else
            {
                if (Directory.Exists(p.Directory))
                {
                    Directory.Delete(p.Directory, recursive: true);
                }

                var sink = progress.Starting(p);
                result = Trainer.Branch(Snapshot(b.BranchStep), p.Directory, b.Spec, b.DecaySteps, sink, cancellation);
                Compare.AddSession(p.Directory, result.Elapsed.TotalSeconds);
                progress.Finished(p, result);
            }

            if (result.Status == TrainingStatus.Cancelled)
            {
                return null;
            }
        }

        return Measure();
    }

    private BranchingReport Measure()
    {
        long tokensPerStep = training.TokensPerStep;
        var branches = new List<BranchResult>();
        var wall = Compare.ReadSessions(StableDirectory).WallSeconds ?? 0;
        foreach (var b in plan.Budgets)
        {
            var dir = Path.Combine(directory, b.Name);
            var summary = CompareMetrics.ReadJson(Path.Combine(dir, "summary.json"));
            var final = summary["status"]!.GetValue<string>() == "completed" ? summary["final_val_loss"]?.GetValue<double>() : null;
            wall += Compare.ReadSessions(dir).WallSeconds ?? 0;
            branches.Add(new BranchResult(b, final, b.Budget * tokensPerStep, b.DecaySteps * tokensPerStep, RunCurves.Read(dir)));
        }

        var stableTokens = plan.StableSteps * tokensPerStep;
        return new BranchingReport(
            plan,
            branches,
            RunCurves.Read(StableDirectory),
            stableTokens,
            stableTokens + branches.Sum(b => b.CooldownTokens),
            branches.Sum(b => b.BudgetTokens),
            wall);
    }
}
