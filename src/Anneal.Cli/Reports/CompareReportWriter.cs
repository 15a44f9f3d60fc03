using System.Globalization;
using Anneal.Training;
using Anneal.Training.Experiments;

namespace Anneal.Cli.Reports;

/// <summary>
/// Writes a comparison's report directory: <c>runs.csv</c>, <c>results.csv</c>, <c>lr_sensitivity.csv</c>
/// (<see cref="CompareCsv"/>), <c>val_loss.png</c>, <c>lr_sensitivity.png</c> and <c>lr.png</c>, <c>report.md</c> and
/// <c>report.html</c> (one document, <see cref="ReportDocument"/>); with branching also <c>branching.csv</c> and
/// <c>branching.png</c>.
/// </summary>
internal static class CompareReportWriter
{
    /// <summary>How the largest spike is measured, as the reports say it.</summary>
    public const string SpikeRule =
        "the largest rise of the validation loss above its lowest earlier value (validation uses the same batches at every evaluation, so a rise is the model getting worse, not sampling noise); 0 when it never rose";

    /// <summary>The files <see cref="Write"/> writes (besides the branching ones).</summary>
    public static IReadOnlyList<string> Files { get; } = ["runs.csv", "results.csv", "lr_sensitivity.csv", "val_loss.png", "lr_sensitivity.png", "lr.png", "report.md", "report.html"];

    /// <summary>Writes every file of <paramref name="report"/> into <paramref name="directory"/>.</summary>
    public static void Write(CompareReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        var inPlanOrder = report.Schedules.OrderBy(s => IndexOf(report, s.Name)).ToList();
        var images = new List<ReportImage>
        {
            new("val_loss.png", "Validation loss against training tokens, each schedule at its best peak LR, mean and range over the seeds", ReportPlots.ValidationLoss(inPlanOrder, report.EntropyFloor)),
            new("lr_sensitivity.png", "Final validation loss against peak learning rate, every schedule, with 95% intervals", ReportPlots.LrSensitivity(inPlanOrder, report.Options.LearningRates)),
            new("lr.png", "Learning rate against step, each schedule at its best peak LR", ReportPlots.LearningRate(inPlanOrder)),
        };
        ReportImage? branching = null;
        if (report.Branching is { } b)
        {
            branching = new ReportImage("branching.png", "Validation loss of the stable run and the branched cooldowns against training tokens", ReportPlots.Branching(b, report.EntropyFloor));
            ReportFiles.Write(Path.Combine(directory, "branching.csv"), CompareCsv.Branching(b));
            ReportFiles.Write(Path.Combine(directory, branching.File), branching.Png);
        }

        foreach (var image in images)
        {
            ReportFiles.Write(Path.Combine(directory, image.File), image.Png);
        }

        ReportFiles.Write(Path.Combine(directory, "runs.csv"), CompareCsv.Runs(report));
        ReportFiles.Write(Path.Combine(directory, "results.csv"), CompareCsv.Results(report));
        ReportFiles.Write(Path.Combine(directory, "lr_sensitivity.csv"), CompareCsv.Sensitivity(report));
        var blocks = Blocks(report, images, branching);
        ReportFiles.Write(Path.Combine(directory, "report.md"), ReportDocument.Markdown(blocks));
        ReportFiles.Write(Path.Combine(directory, "report.html"), ReportDocument.Html(Title(report), blocks));
    }

    /// <summary>The title: <c>Which schedule wins: 11 schedules on the built-in corpus, 3 peak LRs, 3 seeds</c>.</summary>
    public static string Title(CompareReport report)
    {
        var lrs = report.Options.LearningRates.Count;
        var seeds = report.Options.SeedCount;
        return $"Which schedule wins: {report.Schedules.Count} schedules on {DataName(report)}, {lrs} peak LR{(lrs == 1 ? "" : "s")}, {seeds} seed{(seeds == 1 ? "" : "s")}";
    }

    /// <summary>The branching experiment's cost in one sentence.</summary>
    public static string BranchingSentence(BranchingReport b) =>
        string.Create(CultureInfo.InvariantCulture,
            $"One stable run to step {b.Plan.StableSteps} ({b.StableTokens:N0} tokens) and {b.Branches.Count} cooldowns branched off it ({b.Branches.Sum(x => x.CooldownTokens):N0} tokens) cost {b.TokensSpent:N0} training tokens; separate runs of the {b.Branches.Count} budgets would have cost {b.SeparateTokens:N0} ({100.0 * (b.SeparateTokens - b.TokensSpent) / b.SeparateTokens:F1}% saved).");

    /// <summary>The sentence on what a bigger comparison would cost, from this one's measured wall times.</summary>
    public static string GoingBigger(CompareReport report)
    {
        var runs = report.Runs.Count;
        var perRun = report.Runs.Sum(r => r.WallSeconds) / Math.Max(1, runs);
        var tokensPerSecond = report.Runs.Sum(r => (double)r.Tokens) / Math.Max(1e-9, report.Runs.Sum(r => r.WallSeconds));
        var o = report.Options.Training;
        return string.Create(CultureInfo.InvariantCulture,
            $"The {runs} runs took {CompareTable.Seconds(perRun)} each on average ({tokensPerSecond:N0} training tokens/s). A run's time grows with its tokens (`--steps`, `--batch-size`, `--context`) " +
            $"and, per token, roughly with the weights of its matrices (12 x layers x width^2): width {2 * o.EmbeddingDim} instead of {o.EmbeddingDim} is about 4 times as long a run (about {CompareTable.Seconds(4 * perRun)}), " +
            $"twice the steps twice as long, and every further seed or peak LR adds {report.Schedules.Count} runs. Every (schedule, LR, seed) is independent: `--shard I/N` on N machines, or `--slurm FILE` on a cluster, divides the elapsed time by the number of runs trained at once.");
    }

    private static List<ReportBlock> Blocks(CompareReport report, IReadOnlyList<ReportImage> images, ReportImage? branchingImage)
    {
        var numeric = CompareTable.Columns.Select(c => c.Numeric).ToList();
        var blocks = new List<ReportBlock>
        {
            new ReportHeading(1, Title(report)),
            new ReportParagraph(report.Conclusion, Highlight: true),
            new ReportTable(
                [.. CompareTable.Columns.Select(c => c.Header)],
                numeric,
                [.. CompareTable.Rows(report).Select(row => (IReadOnlyList<ReportCell>)[.. row.Select(c => new ReportCell(c))])]),
            new ReportBullets(Setup(report)),
            images[0],
            images[1],
            new ReportHeading(2, "Every schedule at every peak LR"),
            new ReportParagraph(report.Options.SeedCount > 1
                ? $"Mean final validation loss over {report.Options.SeedCount} seeds ± the half-width of its 95% interval; each schedule's best LR in bold."
                : "Final validation loss (one seed); each schedule's best LR in bold."),
            new ReportTable(
                CompareTable.GridHeader(report),
                [false, .. report.Options.LearningRates.Select(_ => true)],
                [.. CompareTable.GridRows(report).Select(row => (IReadOnlyList<ReportCell>)[.. row.Select(c => new ReportCell(c.Text, c.Best))])]),
            images[2],
            new ReportHeading(2, "The schedules"),
            new ReportBullets([.. report.Schedules.OrderBy(s => IndexOf(report, s.Name)).Select(s =>
                $"**{s.Name}** ({CompareTable.Optimizer(s.Optimizer, s.WeightDecay)}){(s.Entry.Description is null ? "" : ": " + s.Entry.Description)}. `{s.Spec}`")]),
        };
        if (report.Branching is { } b)
        {
            blocks.Add(new ReportHeading(2, "Warmup-stable-decay branching"));
            blocks.Add(new ReportParagraph(BranchingSentence(b), Highlight: true));
            blocks.Add(new ReportParagraph(BranchingExplanation(b) + CrossCheck(report, b)));
            blocks.Add(new ReportTable(
                ["budget", "steps", "tokens", "cooldown from step", "final val loss"],
                [true, true, true, true, true],
                [.. BranchingRows(b).Select(row => (IReadOnlyList<ReportCell>)[.. row.Select(c => new ReportCell(c))])]));
            blocks.Add(branchingImage!);
        }

        if (report.Prediction is not null)
        {
            blocks.AddRange(PredictionSection.Blocks(report));
        }

        blocks.Add(new ReportHeading(2, "Going bigger"));
        blocks.Add(new ReportParagraph(GoingBigger(report)));
        blocks.Add(new ReportHeading(2, "Machine and time"));
        blocks.Add(new ReportBullets(MachineLines(report)));
        return blocks;
    }

    private static List<string> Setup(CompareReport report)
    {
        var o = report.Options;
        var t = o.Training;
        var tokens = (long)t.Steps * report.TokensPerStep;
        var seeds = o.Seeds;
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"Data: {report.DataSource}; tokenizer {t.Tokenizer.Name()}; unigram baseline {F4(report.UnigramBaseline)} nats/token") +
                (report.EntropyFloor is { } fl ? $"; entropy floor {F4(fl)} nats/token (the corpus's exact entropy rate)." : "; entropy floor unknown (only the built-in corpus has one)."),
            string.Create(CultureInfo.InvariantCulture, $"Model: GPT, {t.Layers} layer{(t.Layers == 1 ? "" : "s")}, {t.Heads} heads, width {t.EmbeddingDim}, context {t.Context}, {report.Parameters:N0} parameters, dropout {t.Dropout}."),
            string.Create(CultureInfo.InvariantCulture, $"Budget: {t.Steps} steps of {t.BatchSize} x {t.Context} x {t.GradientAccumulation} = {report.TokensPerStep:N0} tokens, {tokens:N0} tokens per run."),
            seeds.Count == 1
                ? $"Seed: {seeds[0]}, the same initial weights and batches for every run. One seed: no error bars."
                : $"Seeds: {seeds[0]} to {seeds[^1]} ({seeds.Count}); seed s gives every schedule the same initial weights and batches, so differences between schedules are paired by seed.",
            $"Peak learning rates: {string.Join(", ", o.LearningRates.Select(CompareTable.Lr))}; every schedule is trained at each and ranked at its own best (the lowest mean final validation loss over the seeds, among the LRs where no seed diverged). A best LR at the grid's lowest or highest is marked: the grid should be widened there.",
            string.Create(CultureInfo.InvariantCulture, $"Optimizer: {CompareTable.Optimizer(t.Optimizer, t.WeightDecay)} (AdamW's weight decay is decoupled; Adam's, SGD's and RMSprop's is an L2 term, named L2) unless the row says otherwise; betas {t.Beta1}, {t.Beta2}; gradient clipping {t.GradientClip}."),
            string.Create(CultureInfo.InvariantCulture, $"Validation: every {t.EvalEvery} steps and after the last ({t.Steps / t.EvalEvery + (t.Steps % t.EvalEvery == 0 ? 0 : 1)} points a run), on the same {t.EvalBatches} x {t.BatchSize} x {t.Context} held-out tokens each time."),
            seeds.Count == 1
                ? "Statistics: none; with one seed the table gives single values."
                : "Statistics: final val loss is the mean over the seeds at the best LR, std the sample standard deviation, 95% CI the Student-t interval of the mean (mean ± t(0.975, n-1) std / sqrt(n)). vs best is the paired difference to the winner, seed by seed, both at their best LR, with its 95% interval; tied means that interval includes 0: the winner's lead over that schedule is not significant. Picking each schedule's best LR on the seeds that also measure it favours every schedule a little; the intervals leave that out.",
            report.Target is { } target
                ? $"Tokens to target: training tokens at the first evaluation with validation loss <= {F4(target)} ({report.TargetRule}), the mean over the seeds at the best LR; \"k/n seeds\" when only k seeds got there."
                : "Tokens to target: no target (no schedule finished).",
            $"Largest spike: {SpikeRule}; the largest over the seeds at the best LR.",
            report.EntropyFloor is null ? "Excess over floor: not available for this data." : "Excess over floor: mean final validation loss minus the entropy floor, the part any model could still gain.",
            "Rank: by mean final validation loss at the best LR (lower is better); schedules that diverged at every LR last.",
        ];
    }

    private static List<string> MachineLines(CompareReport report)
    {
        var m = report.Machine;
        var lines = new List<string> { $"Report assembled on: {m}." };
        var sessions = report.Sessions;
        foreach (var s in sessions)
        {
            var who = s.Shard is null ? "Trained" : $"Shard {s.Shard} trained";
            var threads = s.Threads is { } th ? $", {th} torch thread{(th == 1 ? "" : "s")}" : "";
            var load = s.LoadAtStart is null ? "" : $"; load average (1, 5, 15 min) {s.LoadAtStart} at the start, {s.LoadAtEnd} at the end";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{who} {s.RunsTrained} run{(s.RunsTrained == 1 ? "" : "s")} on {s.Host} ({s.Cpus} CPUs{threads}) from {s.Started.UtcDateTime:yyyy-MM-dd HH:mm} to {s.Ended.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({CompareTable.Seconds(s.Elapsed.TotalSeconds)}){(s.Interrupted ? ", interrupted" : "")}{load}."));
        }

        if (sessions.Count > 0)
        {
            var elapsed = sessions.Max(s => s.Ended) - sessions.Min(s => s.Started);
            var busy = sessions.Where(s => Load1(s.LoadAtStart) > s.Cpus || Load1(s.LoadAtEnd) > s.Cpus).ToList();
            lines.Add($"Elapsed from the first session's start to the last one's end: {CompareTable.Seconds(elapsed.TotalSeconds)}." +
                (busy.Count > 0 ? $" The machine was shared: a 1-minute load average above the CPUs (up to {busy.Max(s => Math.Max(Load1(s.LoadAtStart), Load1(s.LoadAtEnd))).ToString("F1", CultureInfo.InvariantCulture)}) means other processes competed for them and slowed the runs." : ""));
        }

        lines.Add($"Wall time of the {report.Runs.Count} runs, summed: {CompareTable.Seconds(report.Runs.Sum(r => r.WallSeconds))} (each schedule's in the table; a run resumed from a checkpoint adds its sessions)" +
            (report.Branching is { } b ? $"; of the branching experiment: {CompareTable.Seconds(b.WallSeconds)}." : "."));
        lines.Add(report.Options.CommandLine is { } c ? $"Command: `{c}`" : "Command: (library call)");
        return lines;
    }

    private static double Load1(string? load) =>
        load is not null && double.TryParse(load.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static string BranchingExplanation(BranchingReport b) =>
        string.Create(CultureInfo.InvariantCulture,
            $"At peak LR {CompareTable.Lr(b.LearningRate)} and seed {b.Seed}: every budget of T steps shares the {b.Plan.Warmup}-step warmup; its cooldown D ({b.Plan.DecayShape} over the last {100 * b.Plan.DecayFraction:0.#}% of T) starts at step T - D, where it branches off the stable run's checkpoint, so its learning rate at every step equals that of a separate warmup_stable_decay run of T steps (whose spec is in branching.csv), and so do its batches.");

    /// <summary>When a compared run has a branch's very schedule, LR and seed, the two final losses side by side (equal when the trainer is deterministic).</summary>
    private static string CrossCheck(CompareReport report, BranchingReport b)
    {
        foreach (var branch in b.Branches)
        {
            var spec = ScheduleSpec.Write(ScheduleSpec.Parse(branch.Budget.Spec));
            var twin = report.Runs.FirstOrDefault(r => r.Spec == spec && r.Optimizer == report.Options.Training.Optimizer && r.WeightDecay == report.Options.Training.WeightDecay && r.LearningRate == b.LearningRate && r.Seed == b.Seed);
            if (twin is not null && branch.FinalValidationLoss is { } f && twin.FinalValidationLoss is { } g)
            {
                return $" Check: {branch.Budget.Name} has the schedule, LR and seed of the separately trained run {twin.Run.RelativeDirectory}; final validation loss {F4(f)} branched, {F4(g)} separate{(f == g ? " (bit for bit the same)" : "")}.";
            }
        }

        return "";
    }

    private static IEnumerable<string[]> BranchingRows(BranchingReport b) =>
        b.Branches.Select(x => new[]
        {
            x.Budget.Fraction.ToString("0.###", CultureInfo.InvariantCulture),
            x.Budget.Budget.ToString(CultureInfo.InvariantCulture),
            x.BudgetTokens.ToString("N0", CultureInfo.InvariantCulture),
            x.Budget.BranchStep.ToString(CultureInfo.InvariantCulture),
            x.FinalValidationLoss is { } f ? F4(f) : "diverged",
        });

    private static int IndexOf(CompareReport report, string name)
    {
        for (var i = 0; i < report.Options.Entries.Count; i++)
        {
            if (report.Options.Entries[i].Name == name)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static string DataName(CompareReport report) =>
        report.EntropyFloor is not null ? "the built-in corpus" : Path.GetFileName(report.DataSource);

    private static string F4(double v) => CompareTable.F4(v);
}
