using System.Globalization;
using System.Net;
using System.Text;
using Anneal.Training;
using Anneal.Training.Experiments;

namespace Anneal.Cli.Reports;

/// <summary>
/// Writes a comparison's report directory: <c>results.csv</c> (one row per run, ranked), <c>val_loss.png</c> and
/// <c>lr.png</c>, <c>report.md</c> (images as relative links) and <c>report.html</c> (one self-contained page: styles
/// inline, images as <c>data:image/png;base64</c> URIs, no external reference); with branching also
/// <c>branching.csv</c> and <c>branching.png</c>.
/// </summary>
internal static class CompareReportWriter
{
    /// <summary>The columns of <c>results.csv</c>.</summary>
    public const string CsvHeader = "rank,name,optimizer,status,final_val_loss,best_val_loss,excess_over_floor,tokens_to_target,largest_spike,steps,tokens,wall_seconds,schedule";

    /// <summary>The columns of <c>branching.csv</c>.</summary>
    public const string BranchingCsvHeader = "fraction,budget_steps,budget_tokens,branch_step,cooldown_steps,cooldown_tokens,final_val_loss,schedule";

    /// <summary>How the largest spike is measured, as the reports say it.</summary>
    public const string SpikeRule =
        "the largest rise of the validation loss above its lowest earlier value (validation uses the same batches at every evaluation, so a rise is the model getting worse, not sampling noise); 0 when it never rose";

    /// <summary>Writes every file of <paramref name="report"/> into <paramref name="directory"/>.</summary>
    public static void Write(CompareReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        var inPlanOrder = report.Runs.OrderBy(r => IndexOf(report, r.Name)).ToList();
        var images = new List<(string File, string Alt, byte[] Png)>
        {
            ("val_loss.png", "Validation loss against training tokens, every schedule", ReportPlots.ValidationLoss(inPlanOrder, report.EntropyFloor)),
            ("lr.png", "Learning rate against step, every schedule", ReportPlots.LearningRate(inPlanOrder)),
        };
        byte[]? branchingPng = null;
        if (report.Branching is { } b)
        {
            branchingPng = ReportPlots.Branching(b, report.EntropyFloor);
            ReportFiles.Write(Path.Combine(directory, "branching.csv"), BranchingCsv(b));
            ReportFiles.Write(Path.Combine(directory, "branching.png"), branchingPng);
        }

        foreach (var (file, _, png) in images)
        {
            ReportFiles.Write(Path.Combine(directory, file), png);
        }

        ReportFiles.Write(Path.Combine(directory, "results.csv"), Csv(report));
        ReportFiles.Write(Path.Combine(directory, "report.md"), Markdown(report, images.Select(i => (i.File, i.Alt)).ToList()));
        ReportFiles.Write(Path.Combine(directory, "report.html"), Html(report, images, branchingPng));
    }

    /// <summary><c>results.csv</c>: the header, then one row per run, best first; numbers with round-trip precision.</summary>
    public static string Csv(CompareReport report)
    {
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in report.Runs)
        {
            text.AppendJoin(',',
                r.Rank.ToString(CultureInfo.InvariantCulture),
                Quote(r.Name),
                r.Optimizer.Name(),
                CompareTable.StatusName(r.Status),
                R(r.FinalValidationLoss),
                R(r.BestValidationLoss),
                R(r.ExcessOverFloor),
                r.TokensToTarget?.ToString(CultureInfo.InvariantCulture) ?? "",
                R(r.LargestSpike),
                r.Steps.ToString(CultureInfo.InvariantCulture),
                r.Tokens.ToString(CultureInfo.InvariantCulture),
                r.WallSeconds.ToString("F1", CultureInfo.InvariantCulture),
                Quote(r.Spec)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary><c>branching.csv</c>: one row per budget, smallest first.</summary>
    public static string BranchingCsv(BranchingReport report)
    {
        var text = new StringBuilder(BranchingCsvHeader).Append('\n');
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

    /// <summary>The branching experiment's cost in one sentence.</summary>
    public static string BranchingSentence(BranchingReport b) =>
        string.Create(CultureInfo.InvariantCulture,
            $"One stable run to step {b.Plan.StableSteps} ({b.StableTokens:N0} tokens) and {b.Branches.Count} cooldowns branched off it ({b.Branches.Sum(x => x.CooldownTokens):N0} tokens) cost {b.TokensSpent:N0} training tokens; separate runs of the {b.Branches.Count} budgets would have cost {b.SeparateTokens:N0} ({100.0 * (b.SeparateTokens - b.TokensSpent) / b.SeparateTokens:F1}% saved).");

    private static string[] Setup(CompareReport report)
    {
        var o = report.Options.Training;
        var tokens = (long)o.Steps * report.TokensPerStep;
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"Data: {report.DataSource}; tokenizer {o.Tokenizer.Name()}; unigram baseline {F4(report.UnigramBaseline)} nats/token") +
                (report.EntropyFloor is { } fl ? $"; entropy floor {F4(fl)} nats/token (the corpus's exact entropy rate)." : "; entropy floor unknown (only the built-in corpus has one)."),
            string.Create(CultureInfo.InvariantCulture, $"Model: GPT, {o.Layers} layer{(o.Layers == 1 ? "" : "s")}, {o.Heads} heads, width {o.EmbeddingDim}, context {o.Context}, {report.Parameters:N0} parameters, dropout {o.Dropout}."),
            string.Create(CultureInfo.InvariantCulture, $"Budget: {o.Steps} steps of {o.BatchSize} x {o.Context} x {o.GradientAccumulation} = {report.TokensPerStep:N0} tokens, {tokens:N0} tokens per run; seed {o.Seed} (same initial weights and batches for every run)."),
            string.Create(CultureInfo.InvariantCulture, $"Optimizer: {o.Optimizer.Name()} (unless the run says otherwise), peak learning rate {o.LearningRate.ToString("R", CultureInfo.InvariantCulture)} for every schedule, weight decay {o.WeightDecay}, gradient clipping {o.GradientClip}."),
            string.Create(CultureInfo.InvariantCulture, $"Validation: every {o.EvalEvery} steps and after the last, on the same {o.EvalBatches} x {o.BatchSize} x {o.Context} held-out tokens each time."),
            report.Target is { } t
                ? $"Tokens to target: training tokens at the first evaluation with validation loss <= {F4(t)}, {report.TargetRule}; \"not reached\" when no evaluation got there."
                : "Tokens to target: no target (no run finished).",
            $"Largest spike: {SpikeRule}.",
            report.EntropyFloor is null ? "Excess over floor: not available for this data." : "Excess over floor: final validation loss minus the entropy floor, the part any model could still gain.",
            "Rank: by final validation loss (lower is better); diverged runs last.",
        };
        return [.. lines];
    }

    private static string[] MachineLines(CompareReport report)
    {
        var m = report.Machine;
        var load = m.LoadAtStart is null ? "" : $" Load average (1, 5, 15 min) when the runs started: {m.LoadAtStart}; when they ended: {m.LoadAtEnd}. Training keeps the {m.Cores} cores busy (a load of about {m.Cores}); more means other jobs shared the machine and slowed the runs.";
        return
        [
            $"Machine: {m}.{load}",
            $"Wall time of the {report.Runs.Count} compared runs: {CompareTable.Seconds(report.Runs.Sum(r => r.WallSeconds))} (each run's is in the table; a run resumed from a checkpoint adds its sessions)" +
                (report.Branching is { } b ? $"; of the branching experiment: {CompareTable.Seconds(b.WallSeconds)}." : "."),
            report.Options.CommandLine is { } c ? $"Command: `{c}`" : "Command: (library call)",
        ];
    }

    // ---- Markdown

    private static string Markdown(CompareReport report, List<(string File, string Alt)> images)
    {
        var md = new StringBuilder();
        md.Append($"# Which schedule wins: {report.Runs.Count} schedules on {DataName(report)}\n\n");
        md.Append($"**{report.Conclusion}**\n\n");
        md.Append("| ").AppendJoin(" | ", CompareTable.Columns.Select(c => c.Header)).Append(" |\n");
        md.Append('|').AppendJoin('|', CompareTable.Columns.Select(c => c.Numeric ? "---:" : "---")).Append("|\n");
        foreach (var row in CompareTable.Rows(report))
        {
            md.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }

        md.Append('\n');
        foreach (var line in Setup(report))
        {
            md.Append("- ").Append(line).Append('\n');
        }

        md.Append('\n');
        foreach (var (file, alt) in images)
        {
            md.Append($"![{alt}]({file})\n\n");
        }

        md.Append("## The runs\n\n");
        foreach (var r in report.Runs.OrderBy(r => IndexOf(report, r.Name)))
        {
            md.Append($"- **{r.Name}** ({r.Optimizer.Name()}){(r.Description is null ? "" : ": " + r.Description)}. `{r.Spec}`\n");
        }

        if (report.Branching is { } b)
        {
            md.Append("\n## Warmup-stable-decay branching\n\n");
            md.Append($"**{BranchingSentence(b)}**\n\n");
            md.Append(BranchingExplanation(b)).Append(CrossCheck(report, b)).Append("\n\n");
            md.Append("| budget | steps | tokens | cooldown from step | final val loss |\n|---:|---:|---:|---:|---:|\n");
            foreach (var row in BranchingRows(b))
            {
                md.Append("| ").AppendJoin(" | ", row).Append(" |\n");
            }

            md.Append("\n![Validation loss of the stable run and the branched cooldowns against training tokens](branching.png)\n");
        }

        md.Append("\n## Machine and time\n\n");
        foreach (var line in MachineLines(report))
        {
            md.Append("- ").Append(line).Append('\n');
        }

        return md.ToString();
    }

    // ---- HTML

    private static string Html(CompareReport report, List<(string File, string Alt, byte[] Png)> images, byte[]? branchingPng)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        static string Img(string alt, byte[] png) => $"<img alt=\"{E(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">";
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append($"<title>Which schedule wins: {E(DataName(report))}</title>\n");
        h.Append("<style>\nbody{font-family:system-ui,sans-serif;max-width:1040px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n");
        h.Append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em}td.n{text-align:right;font-variant-numeric:tabular-nums}\n");
        h.Append("th{background:#f3f3f3}tr:nth-child(2) td{font-weight:600}.conclusion{font-size:1.15em;background:#f6f8ee;border-left:4px solid #7a3;padding:.6em 1em}\n");
        h.Append("code{font-size:.85em;background:#f5f5f5;padding:.1em .3em;word-break:break-all}img{max-width:100%}\n</style>\n</head>\n<body>\n");
        h.Append($"<h1>Which schedule wins: {report.Runs.Count} schedules on {E(DataName(report))}</h1>\n");
        h.Append($"<p class=\"conclusion\">{E(report.Conclusion)}</p>\n");
        h.Append("<table>\n<tr>").AppendJoin("", CompareTable.Columns.Select(c => $"<th>{E(c.Header)}</th>")).Append("</tr>\n");
        foreach (var row in CompareTable.Rows(report))
        {
            h.Append("<tr>").AppendJoin("", row.Select((c, i) => CompareTable.Columns[i].Numeric ? $"<td class=\"n\">{E(c)}</td>" : $"<td>{E(c)}</td>")).Append("</tr>\n");
        }

        h.Append("</table>\n<ul>\n");
        foreach (var line in Setup(report))
        {
            h.Append($"<li>{E(line)}</li>\n");
        }

        h.Append("</ul>\n");
        foreach (var (_, alt, png) in images)
        {
            h.Append($"<p>{Img(alt, png)}</p>\n");
        }

        h.Append("<h2>The runs</h2>\n<ul>\n");
        foreach (var r in report.Runs.OrderBy(r => IndexOf(report, r.Name)))
        {
            h.Append($"<li><b>{E(r.Name)}</b> ({E(r.Optimizer.Name())}){(r.Description is null ? "" : ": " + E(r.Description))}. <code>{E(r.Spec)}</code></li>\n");
        }

        h.Append("</ul>\n");
        if (report.Branching is { } b)
        {
            h.Append("<h2>Warmup-stable-decay branching</h2>\n");
            h.Append($"<p class=\"conclusion\">{E(BranchingSentence(b))}</p>\n<p>{E(BranchingExplanation(b) + CrossCheck(report, b))}</p>\n");
            h.Append("<table>\n<tr><th>budget</th><th>steps</th><th>tokens</th><th>cooldown from step</th><th>final val loss</th></tr>\n");
            foreach (var row in BranchingRows(b))
            {
                h.Append("<tr>").AppendJoin("", row.Select(c => $"<td class=\"n\">{E(c)}</td>")).Append("</tr>\n");
            }

            h.Append("</table>\n");
            if (branchingPng is not null)
            {
                h.Append($"<p>{Img("Validation loss of the stable run and the branched cooldowns against training tokens", branchingPng)}</p>\n");
            }
        }

        h.Append("<h2>Machine and time</h2>\n<ul>\n");
        foreach (var line in MachineLines(report))
        {
            h.Append($"<li>{E(line.Replace("`", "", StringComparison.Ordinal))}</li>\n");
        }

        h.Append("</ul>\n</body>\n</html>\n");
        return h.ToString();
    }

    // ---- helpers

    private static string BranchingExplanation(BranchingReport b) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Every budget of T steps shares the {b.Plan.Warmup}-step warmup; its cooldown D ({b.Plan.DecayShape} over the last {100 * b.Plan.DecayFraction:0.#}% of T) starts at step T - D, where it branches off the stable run's checkpoint, so its learning rate at every step equals that of a separate warmup_stable_decay run of T steps (whose spec is in branching.csv), and so do its batches.");

    /// <summary>When a compared run has a branch's very schedule, the two final losses side by side (equal when the trainer is deterministic).</summary>
    private static string CrossCheck(CompareReport report, BranchingReport b)
    {
        foreach (var branch in b.Branches)
        {
            var spec = ScheduleSpec.Write(ScheduleSpec.Parse(branch.Budget.Spec));
            var twin = report.Runs.FirstOrDefault(r => r.Spec == spec && r.Optimizer == report.Options.Training.Optimizer);
            if (twin is not null && branch.FinalValidationLoss is { } f && twin.FinalValidationLoss is { } g)
            {
                return $" Check: {branch.Budget.Name} has the schedule of the separately trained run {twin.Name}; final validation loss {F4(f)} branched, {F4(g)} separate{(f == g ? " (bit for bit the same)" : "")}.";
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

    private static string R(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
