using System.Globalization;
using System.Text;
using Anneal.Training;
using Anneal.Training.Experiments;

namespace Anneal.Cli.Reports;

/// <summary>
/// The comparison's CSV files, numbers with round-trip precision: <c>runs.csv</c> (one row per schedule, peak LR and
/// seed, in plan order), <c>results.csv</c> (one row per schedule at its best LR, ranked), <c>lr_sensitivity.csv</c>
/// (one row per schedule and LR) and <c>branching.csv</c>.
/// </summary>
internal static class CompareCsv
{
    /// <summary>The columns of <c>runs.csv</c>.</summary>
    public const string RunsHeader = "name,lr,seed,optimizer,weight_decay,status,final_val_loss,best_val_loss,excess_over_floor,tokens_to_target,largest_spike,steps,tokens,wall_seconds,sessions,run_dir,schedule";

    /// <summary>The columns of <c>results.csv</c>.</summary>
    public const string ResultsHeader =
        "rank,name,optimizer,weight_decay,best_lr,seeds,final_val_loss_mean,final_val_loss_std,final_val_loss_ci95_low,final_val_loss_ci95_high," +
        "diff_to_best,diff_to_best_ci95_low,diff_to_best_ci95_high,tied_with_best,best_lr_at_edge,best_val_loss_mean,excess_over_floor,tokens_to_target,largest_spike,wall_seconds," +
        "predicted_final_val_loss,prediction_error,schedule";

    /// <summary>The columns of <c>lr_sensitivity.csv</c>.</summary>
    public const string SensitivityHeader = "name,lr,seeds,completed,diverged,final_val_loss_mean,final_val_loss_std,final_val_loss_ci95_low,final_val_loss_ci95_high,is_best_lr";

    /// <summary>The columns of <c>branching.csv</c>.</summary>
    public const string BranchingHeader = "fraction,budget_steps,budget_tokens,branch_step,cooldown_steps,cooldown_tokens,final_val_loss,schedule";

    /// <summary><c>runs.csv</c>; <c>run_dir</c> relative to the report directory.</summary>
    public static string Runs(CompareReport report)
    {
        var text = new StringBuilder(RunsHeader).Append('\n');
        foreach (var r in report.Runs)
        {
            text.AppendJoin(',',
                Quote(r.Name),
                R(r.LearningRate),
                r.Seed.ToString(CultureInfo.InvariantCulture),
                r.Optimizer.Name(),
                R(r.WeightDecay),
                CompareTable.StatusName(r.Status),
                R(r.FinalValidationLoss),
                R(r.BestValidationLoss),
                R(r.ExcessOverFloor),
                r.TokensToTarget?.ToString(CultureInfo.InvariantCulture) ?? "",
                R(r.LargestSpike),
                r.Steps.ToString(CultureInfo.InvariantCulture),
                r.Tokens.ToString(CultureInfo.InvariantCulture),
                r.WallSeconds.ToString("F1", CultureInfo.InvariantCulture),
                r.Sessions.ToString(CultureInfo.InvariantCulture),
                Quote(r.Run.RelativeDirectory),
                Quote(r.Spec)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// <c>results.csv</c>: the winner has <c>diff_to_best</c> 0 and no interval; a schedule without a best LR (diverged at
    /// every LR) has empty statistics; <c>best_lr_at_edge</c> is <c>low</c>, <c>high</c> or empty; <c>predicted_final_val_loss</c>
    /// and <c>prediction_error</c> (|predicted - trained mean| / trained mean, at the best LR) are empty without <c>--predict</c> and
    /// for the schedules the law does not predict (those it is fitted on, and those with another warmup or optimizer).
    /// </summary>
    public static string Results(CompareReport report)
    {
        var text = new StringBuilder(ResultsHeader).Append('\n');
        foreach (var s in report.Schedules)
        {
            var f = s.Best?.Final;
            var d = s.DiffToBest?.Summary;
            var p = report.Prediction?.At(s.Name, s.BestLearningRate);
            text.AppendJoin(',',
                s.Rank.ToString(CultureInfo.InvariantCulture),
                Quote(s.Name),
                s.Optimizer.Name(),
                R(s.WeightDecay),
                R(s.BestLearningRate),
                report.Options.SeedCount.ToString(CultureInfo.InvariantCulture),
                R(f?.Mean),
                R(f?.StandardDeviation),
                R(f?.Ci95Low),
                R(f?.Ci95High),
                s.Best is null ? "" : R(d?.Mean ?? 0),
                R(d?.Ci95Low),
                R(d?.Ci95High),
                s.Best is null ? "" : s.TiedWithBest ? "true" : "false",
                s.Edge switch { GridEdge.Lowest => "low", GridEdge.Highest => "high", _ => "" },
                R(s.BestValidationLossMean),
                R(s.ExcessOverFloorMean),
                R(s.TokensToTarget),
                R(s.LargestSpike),
                s.WallSeconds.ToString("F1", CultureInfo.InvariantCulture),
                R(p?.Predicted),
                R(p?.RelativeError),
                Quote(s.Spec)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary><c>lr_sensitivity.csv</c>: every schedule (ranked) at every LR (grid order).</summary>
    public static string Sensitivity(CompareReport report)
    {
        var text = new StringBuilder(SensitivityHeader).Append('\n');
        foreach (var s in report.Schedules)
        {
            foreach (var p in s.ByLearningRate)
            {
                text.AppendJoin(',',
                    Quote(s.Name),
                    R(p.LearningRate),
                    report.Options.SeedCount.ToString(CultureInfo.InvariantCulture),
                    p.Runs.Count(r => r.FinalValidationLoss is not null).ToString(CultureInfo.InvariantCulture),
                    p.Diverged.ToString(CultureInfo.InvariantCulture),
                    R(p.Final?.Mean),
                    R(p.Final?.StandardDeviation),
                    R(p.Final?.Ci95Low),
                    R(p.Final?.Ci95High),
                    ReferenceEquals(p, s.Best) ? "true" : "false").Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary><c>branching.csv</c>: one row per budget, smallest first.</summary>
    public static string Branching(BranchingReport report)
    {
        var text = new StringBuilder(BranchingHeader).Append('\n');
        foreach (var b in report.Branches)
        {
            text.AppendJoin(',',
                b.Budget.Fraction.ToString("R", CultureInfo.InvariantCulture),
                b.Budget.Budget.ToString(CultureInfo.InvariantCulture),
                b.BudgetTokens.ToString(CultureInfo.InvariantCulture),
                b.Budget.BranchStep.ToString(CultureInfo.InvariantCulture),
                b.Budget.DecaySteps.ToString(CultureInfo.InvariantCulture),
                b.CooldownTokens.ToString(CultureInfo.InvariantCulture),
                R(b.FinalValidationLoss),
                Quote(b.Budget.Spec)).Append('\n');
        }

        return text.ToString();
    }

    private static string R(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
