using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Anneal.Training.Laws;

namespace Anneal.Cli.Tests;

/// <summary>
/// anneal fit, predict and optimize on run directories written here (run.json, metrics.csv, summary.json as anneal
/// train writes them) whose validation losses follow a known multi-power law exactly: 200 steps, a 10-step warmup to
/// 3e-3 (anneal train's 5%), an evaluation every 10 steps. No training.
/// </summary>
public sealed class LawCommandTests : IDisposable
{
    private const int Steps = 200;
    private const double Peak = 3e-3;
    private static readonly MultiPowerLaw Truth = new(L0: 0.5, A: 1.5, Alpha: 0.6, B: 0.3, C: 0.5, Beta: 0.6, Gamma: 0.5);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static double[] Rates(Func<int, double> afterWarmup) =>
        [.. Enumerable.Range(0, Steps).Select(t => Peak * (t < 10 ? t / 10.0 : afterWarmup(t)))];

    private static readonly double[] Constant = Rates(_ => 1);
    private static readonly double[] Cosine = Rates(t => 0.1 + 0.45 * (1 + Math.Cos(Math.PI * (t - 10) / (Steps - 10))));
    private static readonly double[] TwoStage = Rates(t => t < 100 ? 1 : 0.1);

    private static double TrueFinal(double[] rates) => Truth.Loss(new LrSums(rates, Peak, WarmupArea.Actual), rates.Length);

    /// <summary>Writes a finished run directory whose validation loss is <see cref="Truth"/>'s curve.</summary>
    private string Run(string name, double[] rates, string spec, int seed = 1337, int dim = 128, string optimizer = "adamw")
    {
        var dir = Path.Combine(_dir.Root, name);
        Directory.CreateDirectory(dir);
        var options = new JsonObject
        {
            ["optimizer"] = optimizer, ["learning_rate"] = Peak, ["steps"] = Steps, ["seed"] = seed, ["data_path"] = null,
            ["tokenizer"] = "char", ["batch_size"] = 16, ["gradient_accumulation"] = 1, ["context"] = 64, ["layers"] = 4, ["heads"] = 4,
            ["embedding_dim"] = dim, ["dropout"] = 0, ["weight_decay"] = 0.1, ["beta1"] = 0.9, ["beta2"] = 0.99, ["momentum"] = 0.9,
            ["gradient_clip"] = 1, ["eval_every"] = 10, ["eval_batches"] = 8, ["checkpoint_every"] = 0, ["corpus_seed"] = 1234,
            ["corpus_characters"] = 1000000, ["device"] = "cpu",
        };
        var run = new JsonObject
        {
            ["format"] = "anneal.run/2", ["options"] = options, ["schedule"] = JsonNode.Parse(spec), ["horizon"] = Steps,
            ["model"] = new JsonObject { ["vocabulary_size"] = 32, ["context"] = 64, ["layers"] = 4, ["heads"] = 4, ["embedding_dim"] = dim, ["dropout"] = 0 },
            ["data"] = new JsonObject
            {
                ["source"] = "built-in synthetic corpus (seed 1234, 1000000 characters)", ["tokenizer"] = "char", ["vocabulary_size"] = 32,
                ["train_tokens"] = 900000, ["validation_tokens"] = 100000, ["unigram_nats_per_token"] = 3.0,
            },
            ["tokens_per_step"] = 1024,
        };
        File.WriteAllText(Path.Combine(dir, "run.json"), run.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "summary.json"), """{"format":"anneal.summary/2","status":"completed","steps_done":200,"total_steps":200}""");
        var curve = Truth.Curve(new LrSums(rates, Peak, WarmupArea.Actual));
        var csv = new StringBuilder("step,tokens,lr_group0,lr_group1,train_loss,val_loss,tokens_per_s\n");
        for (var t = 0; t < Steps; t++)
        {
            var train = t == 0 ? 3.5 : curve[t - 1];
            var val = (t + 1) % 10 == 0 ? curve[t].ToString("R", CultureInfo.InvariantCulture) : "";
            csv.Append(CultureInfo.InvariantCulture, $"{t},{(t + 1) * 1024},{rates[t]:R},{rates[t]:R},{train:R},{val},1000.0\n");
        }

        File.WriteAllText(Path.Combine(dir, "metrics.csv"), csv.ToString());
        return dir;
    }

    private string FitLaw(string name = "law.json")
    {
        var law = Path.Combine(_dir.Root, name);
        Cli.Ok("fit", Run("const", Constant, """{"type":"constant_with_warmup","num_warmup_steps":10}"""),
            Run("cos", Cosine, """{"type":"cosine_with_min_lr","num_warmup_steps":10,"num_training_steps":200,"min_lr_rate":0.1}"""),
            Run("two", TwoStage, """{"type":"warmup","num_warmup_steps":10,"schedule":{"type":"MultiStepLR","milestones":[90],"gamma":0.1}}"""),
            "--law", "multi-power", "--burn-in", "20", "--out", law);
        return law;
    }

    [Fact]
    public void Fit_prints_the_parameters_and_the_error_per_run_and_writes_law_json_and_a_plot()
    {
        var law = Path.Combine(_dir.Root, "law.json");
        var plot = Path.Combine(_dir.Root, "fit.png");
        var result = Cli.Ok("fit", Run("const", Constant, """{"type":"constant_with_warmup","num_warmup_steps":10}"""),
            Run("cos", Cosine, """{"type":"cosine_with_min_lr","num_warmup_steps":10,"num_training_steps":200,"min_lr_rate":0.1}"""),
            "--law", "multi-power", "--burn-in", "20", "--out", law, "--plot", plot);
        Assert.StartsWith("multi-power law fitted to 2 runs on validation points after 20 steps (learning rates in units of the runs' peak 0.003; the warmup's area as it was):", result.Out);
        Assert.Contains("  L0 = ", result.Out);
        Assert.Contains("| run", result.Out);
        Assert.Contains($"wrote {law} and {plot}", result.Out);
        var json = JsonNode.Parse(File.ReadAllText(law))!;
        Assert.Equal("anneal.law/1", (string?)json["format"]);
        Assert.Equal("multi-power", (string?)json["law"]);
        Assert.Equal(Peak, (double)json["peak_lr"]!);
        Assert.Equal(10, (int)json["warmup_steps"]!);
        Assert.Equal(400, (int)json["extrapolation_limit"]!);
        var sources = json["sources"]!.AsArray();
        Assert.Equal(2, sources.Count);
        Assert.All(sources, s => Assert.Equal(19, (int)s!["points"]!)); // evaluations after 20, 30, ..., 200 steps
        Assert.All(sources, s => Assert.True((double)s!["max_rel_error"]! < 2e-3));
        Assert.True(new FileInfo(plot).Length > 10_000);
    }

    [Fact]
    public void Fit_defaults_to_the_tissue_law_with_lambda_0_99_after_half_the_run()
    {
        var law = Path.Combine(_dir.Root, "default.json");
        var result = Cli.Ok("fit", Run("const", Constant, """{"type":"constant_with_warmup","num_warmup_steps":10}"""),
            Run("cos", Cosine, """{"type":"cosine_with_min_lr","num_warmup_steps":10,"num_training_steps":200,"min_lr_rate":0.1}"""), "--out", law);
        Assert.StartsWith("tissue law fitted to 2 runs on validation points after 100 steps (learning rates in units of the runs' peak 0.003; the warmup's area as it was; lambda fixed at 0.99):", result.Out);
        var json = JsonNode.Parse(File.ReadAllText(law))!;
        Assert.Equal("tissue", (string?)json["law"]);
        Assert.Equal(0.99, (double)json["parameters"]!["lambda"]!);
        Assert.Equal(100, (int)json["fit"]!["burn_in"]!);
    }

    [Fact]
    public void Fit_refuses_runs_of_another_model_naming_the_difference()
    {
        var a = Run("a", Constant, """{"type":"constant_with_warmup","num_warmup_steps":10}""");
        var b = Run("b", Cosine, """{"type":"cosine","num_warmup_steps":10,"num_training_steps":200}""", dim: 192);
        Cli.Fails($"error: the runs do not share model, data and optimizer, so one law cannot describe them: model option EmbeddingDim is 128 in {a} but 192 in {b}", "fit", a, b);
    }

    [Fact]
    public void Fit_refuses_runs_of_another_optimizer_and_unfinished_runs()
    {
        var a = Run("a", Constant, """{"type":"constant_with_warmup","num_warmup_steps":10}""");
        var b = Run("b", Cosine, """{"type":"cosine","num_warmup_steps":10,"num_training_steps":200}""", optimizer: "adam");
        Cli.Fails($"error: the runs do not share model, data and optimizer, so one law cannot describe them: optimizer option Optimizer is adamw in {a} but adam in {b}", "fit", a, b);
        File.WriteAllText(Path.Combine(b, "summary.json"), """{"format":"anneal.summary/2","status":"cancelled","steps_done":100,"total_steps":200}""");
        Cli.Fails($"error: '{b}' is not a finished run (its summary says cancelled); continue it with: anneal train --resume {b}", "fit", a, b);
    }

    [Fact]
    public void Predict_csv_gives_each_schedule_s_final_loss_close_to_the_true_law()
    {
        var law = FitLaw();
        var result = Cli.Ok("predict", law, "wsd", "wc=warmup-cosine", "--format", "csv");
        var lines = result.OutLines;
        Assert.Equal("name,final_val_loss", lines[0]);
        Assert.Equal(3, lines.Length);
        var wsd = double.Parse(lines[1].Split(',')[1], CultureInfo.InvariantCulture);
        var preset = Anneal.ScheduleSpec.Parse(Anneal.Training.SchedulePresets.Spec("wsd", Steps, Peak, Anneal.Training.OptimizerKind.AdamW));
        var expected = TrueFinal([.. Enumerable.Range(0, Steps).Select(t => preset.LearningRate(t, Peak))]);
        Assert.StartsWith("wsd,", lines[1]);
        Assert.True(Math.Abs(wsd - expected) / expected < 2e-3, $"wsd: predicted {wsd}, true {expected}");
        Assert.StartsWith("wc,", lines[2]);
        Assert.True(Math.Abs(double.Parse(lines[2].Split(',')[1], CultureInfo.InvariantCulture) - TrueFinal(Cosine)) < 1e-3);
    }

    [Fact]
    public void Predict_warns_where_the_law_cannot_speak()
    {
        var law = FitLaw();
        var result = Cli.Run("predict", law, """early={"type":"constant_with_warmup","num_warmup_steps":20}""", "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("warning: early: its warmup (20 steps from 0 to the peak) is not the fitted runs' (10 steps from 0 to the peak): the law was fitted on that warmup only\n", result.Error);

        result = Cli.Run("predict", law, "wsd", "--lr", "0.006", "--format", "csv");
        Assert.Equal("warning: wsd: its peak learning rate 0.006 is above the fitted runs' peak 0.003: the law was fitted at or below that peak\n", result.Error);

        result = Cli.Run("predict", law, """long={"type":"constant_with_warmup","num_warmup_steps":10}""", "--steps", "401", "--format", "csv");
        Assert.Equal("warning: long: 401 steps is more than 2x the longest fitted run (200 steps): the law was not checked that far\n", result.Error);

        result = Cli.Run("predict", law, """up={"type":"warmup","num_warmup_steps":10,"schedule":{"type":"MultiStepLR","milestones":[50],"gamma":0.5}}""",
            """back={"type":"warmup","num_warmup_steps":10,"schedule":{"type":"SequentialLR","schedulers":[{"type":"ConstantLR","factor":0.5,"total_iters":50},{"type":"constant"}],"milestones":[50]}}""",
            "--format", "csv");
        Assert.Equal("warning: back: its warmup (60 steps from 0 to the peak) is not the fitted runs' (10 steps from 0 to the peak): the law was fitted on that warmup only\n", result.Error);
        Assert.Equal(3, result.OutLines.Length);
    }

    [Fact]
    public void Predict_warns_when_the_rate_rises_again_after_the_warmup()
    {
        var law = FitLaw();
        var result = Cli.Run("predict", law, """bump={"type":"warmup","num_warmup_steps":10,"schedule":{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"ConstantLR","factor":0.5,"total_iters":50},{"type":"constant"}],"milestones":[20,70]}}""", "--format", "csv");
        Assert.Equal("warning: bump: its learning rate rises again after the warmup (at step 80): both laws describe schedules that only decay after the warmup\n", result.Error);
    }

    [Fact]
    public void Predict_writes_every_curve_and_measures_the_law_against_trained_runs()
    {
        var law = FitLaw();
        var curve = Path.Combine(_dir.Root, "curve.csv");
        var held = Run("held-s1337", Rates(t => t < 160 ? 1 : (Steps - t) / 40.0), """{"type":"warmup_stable_decay","num_warmup_steps":10,"num_decay_steps":40,"num_training_steps":200,"decay_type":"linear"}""");
        var result = Cli.Ok("predict", law, "wsd-1sqrt", "--curve", curve, "--check", held, "--format", "csv");
        Assert.Equal("name,final_val_loss,trained_val_loss,trained_ci95,seeds,rel_error", result.OutLines[0]);
        Assert.StartsWith("wsd-1sqrt,", result.OutLines[1]);
        Assert.EndsWith(",,,,", result.OutLines[1]);
        var held1 = result.OutLines[2].Split(',');
        Assert.Equal("held", held1[0]);
        Assert.Equal("1", held1[4]);
        Assert.True(Math.Abs(double.Parse(held1[5], CultureInfo.InvariantCulture)) < 2e-3, result.OutLines[2]);
        var rows = File.ReadAllLines(curve);
        Assert.Equal("name,step,predicted_val_loss", rows[0]);
        Assert.Equal(1 + 2 * Steps, rows.Length);
        Assert.StartsWith("wsd-1sqrt,1,", rows[1]);
        Assert.StartsWith("held,200,", rows[^1]);
    }

    [Fact]
    public void Predict_needs_a_schedule_and_a_law_file()
    {
        var law = FitLaw();
        Cli.Fails("error: give at least one SCHEDULE to predict (a preset such as wsd-1sqrt, a JSON spec, or NAME=SPEC) or --check RUN_DIR...", "predict", law);
        var missing = Path.Combine(_dir.Root, "none.json");
        Cli.Fails($"error: {missing}: no such law file; write one with 'anneal fit RUN_DIR... --out {missing}'", "predict", missing, "wsd");
    }

    [Fact]
    public void Optimize_writes_a_non_increasing_capped_schedule_that_beats_the_presets_by_prediction()
    {
        var law = FitLaw();
        var outDir = Path.Combine(_dir.Root, "opt");
        var result = Cli.Ok("optimize", law, "--out", outDir);
        Assert.Contains("below the best preset", result.Out);
        var schedule = ScheduleSpec.Parse(File.ReadAllText(Path.Combine(outDir, "schedule.json")));
        var rates = Enumerable.Range(0, Steps).Select(t => schedule.LearningRate(t, Peak)).ToArray();
        for (var t = 0; t <= 10; t++)
        {
            Assert.Equal(Constant[t], rates[t], 15);
        }

        for (var t = 11; t < Steps; t++)
        {
            Assert.True(rates[t] <= rates[t - 1] + 1e-15, $"step {t}: {rates[t]} after {rates[t - 1]}");
            Assert.True(rates[t] <= Peak * (1 + 1e-12));
        }

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "optimize.json")))!;
        Assert.True((double)summary["predicted_gain"]! >= 0);
        Assert.True(TrueFinal(rates) < TrueFinal(Rates(t => t < 160 ? 1 : (Steps - t) / 40.0)), "the true law agrees the optimized schedule beats wsd");
        Assert.True(File.Exists(Path.Combine(outDir, "optimize.png")));
    }
}
