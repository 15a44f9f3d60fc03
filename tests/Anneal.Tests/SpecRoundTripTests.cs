namespace Anneal.Tests;

/// <summary>
/// The JSON spec round trip: for every spec type, parse -> Write -> parse -> Write gives the same text, and the
/// schedule parsed from the written text drives two parameter groups bit for bit like the one parsed from the
/// original (steps 0..200, plateau schedules fed a fixed metric sequence).
/// </summary>
public sealed class SpecRoundTripTests
{
    private const int Steps = 200;

    /// <summary>The types that hold C# code and have no JSON form.</summary>
    private static readonly string[] CodeOnly = ["LambdaLR", "MultiplicativeLR"];

    /// <summary>
    /// A representative spec per type, every one with non-default parameters; composites nest other composites and
    /// CyclicLR / OneCycleLR / ReduceLROnPlateau use per-group lists. Some types have more than one case.
    /// </summary>
    private static readonly (string Name, string Json)[] Cases =
    [
        ("StepLR", """{"type":"StepLR","step_size":7,"gamma":0.5}"""),
        ("MultiStepLR", """{"type":"MultiStepLR","milestones":[10,30,30,80],"gamma":0.7}"""),
        ("ConstantLR", """{"type":"ConstantLR","factor":0.25,"total_iters":12}"""),
        ("LinearLR", """{"type":"LinearLR","start_factor":0.1,"end_factor":0.9,"total_iters":40}"""),
        ("ExponentialLR", """{"type":"ExponentialLR","gamma":0.97}"""),
        ("ExponentialLR/k", """{"type":"ExponentialLR","k":0.02}"""),
        ("PolynomialLR", """{"type":"PolynomialLR","total_iters":150,"power":2.5}"""),
        ("CosineAnnealingLR", """{"type":"CosineAnnealingLR","T_max":60,"eta_min":1e-5}"""),
        ("CosineAnnealingWarmRestarts", """{"type":"CosineAnnealingWarmRestarts","T_0":10,"T_mult":2,"eta_min":1e-6}"""),
        ("CyclicLR", """
            {"type":"CyclicLR","base_lr":[0.001,0.002],"max_lr":[0.01,0.03],"step_size_up":15,"step_size_down":25,
             "mode":"exp_range","gamma":0.995,"cycle_momentum":true,"base_momentum":[0.8,0.85],"max_momentum":[0.9,0.95]}
            """),
        ("CyclicLR/triangular2", """{"type":"CyclicLR","base_lr":0.001,"max_lr":[0.01,0.02],"step_size_up":7.5,"mode":"triangular2","cycle_momentum":false}"""),
        ("OneCycleLR", """
            {"type":"OneCycleLR","max_lr":[0.1,0.05],"total_steps":200,"pct_start":0.25,"anneal_strategy":"linear",
             "cycle_momentum":true,"base_momentum":[0.8,0.85],"max_momentum":0.95,"div_factor":10,"final_div_factor":100,
             "three_phase":true}
            """),
        ("OneCycleLR/epochs", """{"type":"OneCycleLR","max_lr":0.2,"epochs":8,"steps_per_epoch":25,"pct_start":0.4}"""),
        ("SequentialLR", """
            {"type":"SequentialLR","milestones":[10,80],"schedulers":[
              {"type":"LinearLR","start_factor":0.1,"total_iters":10},
              {"type":"ChainedScheduler","schedulers":[
                {"type":"CosineAnnealingLR","T_max":70},
                {"type":"StepLR","step_size":20,"gamma":0.9}]},
              {"type":"restarts","period":30,"schedule":{"type":"ramp","num_steps":30,"from":1,"to":0.1,"shape":"cosine"}}]}
            """),
        ("SequentialLR/plateau", """
            {"type":"SequentialLR","milestones":[15],"schedulers":[
              {"type":"LinearLR","start_factor":0.2,"total_iters":15},
              {"type":"ReduceLROnPlateau","factor":0.5,"patience":3,"min_lr":[1e-4,2e-4]}]}
            """),
        ("ChainedScheduler", """
            {"type":"ChainedScheduler","schedulers":[
              {"type":"warmup","num_warmup_steps":5,"schedule":{"type":"ExponentialLR","k":0.01}},
              {"type":"MultiStepLR","milestones":[50,100],"gamma":0.5},
              {"type":"SequentialLR","milestones":[120],"schedulers":[{"type":"constant"},{"type":"ConstantLR","factor":0.5,"total_iters":1000}]}]}
            """),
        ("ReduceLROnPlateau", """
            {"type":"ReduceLROnPlateau","mode":"max","factor":0.5,"patience":3,"threshold":0.01,"threshold_mode":"abs",
             "cooldown":2,"min_lr":[0.001,0.0005],"eps":1e-10}
            """),
        ("constant", """{"type":"constant","factor":0.5}"""),
        ("constant_with_warmup", """{"type":"constant_with_warmup","num_warmup_steps":12}"""),
        ("linear", """{"type":"linear","num_warmup_steps":10,"num_training_steps":150}"""),
        ("cosine", """{"type":"cosine","num_warmup_steps":10,"num_training_steps":150,"num_cycles":1.5}"""),
        ("cosine_with_restarts", """{"type":"cosine_with_restarts","num_warmup_steps":10,"num_training_steps":150,"num_cycles":3}"""),
        ("polynomial", """{"type":"polynomial","num_warmup_steps":10,"num_training_steps":150,"lr_end":1e-5,"power":2}"""),
        ("inverse_sqrt", """{"type":"inverse_sqrt","num_warmup_steps":10,"timescale":25}"""),
        ("cosine_with_min_lr", """{"type":"cosine_with_min_lr","num_warmup_steps":10,"num_training_steps":150,"num_cycles":0.75,"min_lr":1e-4}"""),
        ("cosine_with_min_lr/rate", """{"type":"cosine_with_min_lr","num_warmup_steps":0,"num_training_steps":150,"min_lr_rate":0.1}"""),
        ("cosine_warmup_with_min_lr", """{"type":"cosine_warmup_with_min_lr","num_warmup_steps":10,"num_training_steps":150,"min_lr_rate":0.05,"warmup_lr_rate":0.1}"""),
        ("warmup_stable_decay", """
            {"type":"warmup_stable_decay","num_warmup_steps":10,"num_decay_steps":40,"num_stable_steps":60,
             "warmup_type":"cosine","decay_type":"1-sqrt","min_lr_ratio":0.1,"num_cycles":0.5}
            """),
        ("warmup_stable_decay/total", """{"type":"warmup_stable_decay","num_warmup_steps":20,"num_decay_steps":50,"num_training_steps":180,"decay_type":"linear"}"""),
        ("reduce_lr_on_plateau", """{"type":"reduce_lr_on_plateau","mode":"min","factor":0.3,"patience":2,"cooldown":1,"min_lr":1e-4}"""),
        ("warmup", """
            {"type":"warmup","num_warmup_steps":20,"start_factor":0.1,"schedule":
              {"type":"SequentialLR","milestones":[30],"schedulers":[{"type":"constant"},{"type":"CosineAnnealingLR","T_max":100,"eta_min":1e-4}]}}
            """),
        ("warmup/plateau", """{"type":"warmup","num_warmup_steps":12,"schedule":{"type":"ReduceLROnPlateau","factor":0.2,"patience":4,"cooldown":3}}"""),
        ("restarts", """
            {"type":"restarts","period":40,"schedule":
              {"type":"warmup","num_warmup_steps":5,"schedule":{"type":"cosine","num_warmup_steps":0,"num_training_steps":35}}}
            """),
        ("ramp", """{"type":"ramp","num_steps":80,"from":0.2,"to":1,"shape":"1-sqrt","num_cycles":0.5}"""),
        ("piecewise_linear", """{"type":"piecewise_linear","steps":[0,20,90,160],"factors":[0.0,1.0,0.6,0.05]}"""),
        ("tokens", """{"type":"tokens","schedule":{"type":"cosine","num_warmup_steps":1024,"num_training_steps":12800}}"""),
    ];

    public static TheoryData<string> CaseNames() => [.. Cases.Select(c => c.Name)];

    private static string Json(string name) => Cases.Single(c => c.Name == name).Json;

    [Fact]
    public void Cases_cover_every_spec_type_with_a_json_form()
    {
        var covered = Cases.Select(c => System.Text.Json.Nodes.JsonNode.Parse(c.Json)!["type"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(ScheduleSpec.TypeNames.Except(CodeOnly).Order(StringComparer.Ordinal), covered.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Write_parse_write_gives_the_same_text(string name)
    {
        var first = ScheduleSpec.Write(ScheduleSpec.Parse(Json(name)));
        var second = ScheduleSpec.Write(ScheduleSpec.Parse(first));
        Assert.Equal(first, second);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Indented_text_parses_to_the_same_spec(string name)
    {
        var schedule = ScheduleSpec.Parse(Json(name));
        var indented = ScheduleSpec.Write(schedule, indented: true);
        Assert.Contains('\n', indented);
        Assert.Equal(ScheduleSpec.Write(schedule), ScheduleSpec.Write(ScheduleSpec.Parse(indented)));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Reparsed_schedule_drives_two_groups_bit_for_bit(string name)
    {
        var original = ScheduleSpec.Parse(Json(name));
        var reparsed = ScheduleSpec.Parse(ScheduleSpec.Write(original));
        var expected = Drive(original);
        var actual = Drive(reparsed);
        for (var step = 0; step <= Steps; step++)
        {
            for (var g = 0; g < 2; g++)
            {
                AssertBitwise(expected.Lrs[step][g], actual.Lrs[step][g], $"{name} lr{g} at step {step}");
                AssertBitwise(expected.Momenta[step][g], actual.Momenta[step][g], $"{name} momentum{g} at step {step}");
            }
        }

        // The run is not trivial: the learning rate moves (except for the constant schedule).
        if (original.TypeName != "constant")
        {
            Assert.Contains(expected.Lrs, row => row[0] != expected.Lrs[0][0]);
        }
    }

    [Theory]
    [InlineData("ReduceLROnPlateau")]
    [InlineData("reduce_lr_on_plateau")]
    [InlineData("warmup/plateau")]
    [InlineData("SequentialLR/plateau")]
    public void Plateau_cases_really_reduce_under_the_metric_sequence(string name)
    {
        var run = Drive(ScheduleSpec.Parse(Json(name)));
        var peak = run.Lrs.Max(r => r[0]);
        Assert.True(run.Lrs[Steps][0] < peak, $"{name}: final lr {run.Lrs[Steps][0]:R} was never reduced from {peak:R}");
    }

    [Fact]
    public void Writes_every_parameter_of_a_spec_pasted_from_python_with_defaults_omitted()
    {
        // json.dumps({"type": "OneCycleLR", "max_lr": 0.01, "total_steps": 1000}) in Python.
        var schedule = ScheduleSpec.Parse("""{"type": "OneCycleLR", "max_lr": 0.01, "total_steps": 1000}""");

        Assert.Equal(
            """{"type":"OneCycleLR","max_lr":0.01,"total_steps":1000,"pct_start":0.3,"anneal_strategy":"cos","cycle_momentum":true,"base_momentum":0.85,"max_momentum":0.95,"div_factor":25,"final_div_factor":10000,"three_phase":false}""",
            ScheduleSpec.Write(schedule));
        var explicitly = new OneCycleLR(0.01, totalSteps: 1000);
        for (var t = 0; t <= 1000; t += 7)
        {
            AssertBitwise(explicitly.LearningRate(t), schedule.LearningRate(t), $"step {t}");
        }
    }

    [Theory]
    [InlineData("""{"type": "LinearLR"}""", """{"type":"LinearLR","start_factor":0.3333333333333333,"end_factor":1,"total_iters":5}""")]
    [InlineData("""{"type": "ConstantLR"}""", """{"type":"ConstantLR","factor":0.3333333333333333,"total_iters":5}""")]
    [InlineData("""{"type": "PolynomialLR"}""", """{"type":"PolynomialLR","total_iters":5,"power":1}""")]
    [InlineData("""{"type": "StepLR", "step_size": 30}""", """{"type":"StepLR","step_size":30,"gamma":0.1}""")]
    [InlineData("""{"type": "CosineAnnealingLR", "T_max": 100}""", """{"type":"CosineAnnealingLR","T_max":100,"eta_min":0}""")]
    [InlineData("""{"type": "CosineAnnealingWarmRestarts", "T_0": 10}""", """{"type":"CosineAnnealingWarmRestarts","T_0":10,"T_mult":1,"eta_min":0}""")]
    [InlineData("""{"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1}""", """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":2000,"step_size_down":2000,"mode":"triangular","gamma":1,"cycle_momentum":true,"base_momentum":0.8,"max_momentum":0.9}""")]
    [InlineData("""{"type": "ReduceLROnPlateau"}""", """{"type":"ReduceLROnPlateau","mode":"min","factor":0.1,"patience":10,"threshold":0.0001,"threshold_mode":"rel","cooldown":0,"min_lr":0,"eps":1E-08}""")]
    [InlineData("""{"type": "cosine", "num_warmup_steps": 100, "num_training_steps": 1000}""", """{"type":"cosine","num_warmup_steps":100,"num_training_steps":1000,"num_cycles":0.5}""")]
    [InlineData("""{"type": "inverse_sqrt", "num_warmup_steps": 0}""", """{"type":"inverse_sqrt","num_warmup_steps":0,"timescale":10000}""")]
    [InlineData("""{"type": "warmup_stable_decay", "num_warmup_steps": 10, "num_decay_steps": 20, "num_training_steps": 100}""", """{"type":"warmup_stable_decay","num_warmup_steps":10,"num_decay_steps":20,"num_training_steps":100,"warmup_type":"linear","decay_type":"cosine","min_lr_ratio":0,"num_cycles":0.5}""")]
    [InlineData("""{"type": "warmup", "num_warmup_steps": 5, "schedule": {"type": "constant"}}""", """{"type":"warmup","num_warmup_steps":5,"start_factor":0,"schedule":{"type":"constant"}}""")]
    public void Python_spec_with_defaults_omitted_gets_the_library_defaults(string pasted, string written) =>
        Assert.Equal(written, ScheduleSpec.Write(ScheduleSpec.Parse(pasted)));

    [Fact]
    public void Python_defaults_give_the_same_values_as_the_constructors_defaults()
    {
        var pairs = new (string Json, Schedule Expected)[]
        {
            ("""{"type": "LinearLR"}""", new LinearLR()),
            ("""{"type": "ConstantLR"}""", new ConstantLR()),
            ("""{"type": "PolynomialLR"}""", new PolynomialLR()),
            ("""{"type": "StepLR", "step_size": 3}""", new StepLR(3)),
            ("""{"type": "CosineAnnealingLR", "T_max": 10}""", new CosineAnnealingLR(10)),
            ("""{"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 4}""", new CyclicLR(0.001, 0.1, 4)),
        };
        foreach (var (json, expected) in pairs)
        {
            var parsed = ScheduleSpec.Parse(json);
            for (var t = 0; t <= 40; t++)
            {
                AssertBitwise(expected.LearningRate(t, 0.1), parsed.LearningRate(t, 0.1), $"{json} step {t}");
            }
        }
    }

    [Fact]
    public void Python_style_comments_and_trailing_commas_are_accepted()
    {
        var schedule = ScheduleSpec.Parse("""
            {
              // from the training config
              "type": "StepLR",
              "step_size": 30,
              "gamma": 0.5,
            }
            """);
        Assert.Equal("""{"type":"StepLR","step_size":30,"gamma":0.5}""", ScheduleSpec.Write(schedule));
    }

    [Fact]
    public void Integral_float_for_an_integer_parameter_is_read_as_the_integer()
    {
        // Python writes 100.0 for a float-typed config value.
        Assert.Equal("""{"type":"CosineAnnealingLR","T_max":100,"eta_min":0}""", ScheduleSpec.Write(ScheduleSpec.Parse("""{"type":"CosineAnnealingLR","T_max":100.0}""")));
    }

    [Fact]
    public void ExponentialLR_with_k_writes_k_back()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"ExponentialLR","k":0.05}""");
        Assert.Equal("""{"type":"ExponentialLR","k":0.05}""", ScheduleSpec.Write(schedule));
        var exponential = Assert.IsType<ExponentialLR>(schedule);
        Assert.Equal(0.05, exponential.DecayRate);
        Assert.Equal(Math.Exp(-0.05), exponential.Gamma);
    }

    [Fact]
    public void ExponentialLR_with_gamma_writes_gamma_back_and_has_no_decay_rate()
    {
        var schedule = Assert.IsType<ExponentialLR>(ScheduleSpec.Parse("""{"type":"ExponentialLR","gamma":0.95}"""));
        Assert.Equal("""{"type":"ExponentialLR","gamma":0.95}""", ScheduleSpec.Write(schedule));
        Assert.Null(schedule.DecayRate);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.1)]
    [InlineData(0.01)]
    public void ExponentialLR_with_k_equals_exp_minus_k_t_within_1e15(double k)
    {
        var schedule = ScheduleSpec.Parse($$"""{"type":"ExponentialLR","k":{{k:R}}}""");
        for (var t = 0; t <= Steps; t++)
        {
            var exact = Math.Exp(-k * t);
            Assert.True(Math.Abs(schedule.LearningRate(t) - exact) <= 1e-15 * exact, $"k {k} step {t}: {schedule.LearningRate(t):R} vs {exact:R}");
        }
    }

    [Fact]
    public void Per_group_lists_stay_lists_and_scalars_stay_scalars()
    {
        var written = ScheduleSpec.Write(ScheduleSpec.Parse("""{"type":"CyclicLR","base_lr":[0.001],"max_lr":0.1,"base_momentum":[0.8],"max_momentum":0.9}"""));
        Assert.Equal(
            """{"type":"CyclicLR","base_lr":[0.001],"max_lr":0.1,"step_size_up":2000,"step_size_down":2000,"mode":"triangular","gamma":1,"cycle_momentum":true,"base_momentum":[0.8],"max_momentum":0.9}""",
            written);
    }

    [Fact]
    public void OneCycleLR_given_as_epochs_writes_epochs_not_total_steps()
    {
        var written = ScheduleSpec.Write(ScheduleSpec.Parse(Json("OneCycleLR/epochs")));
        Assert.StartsWith("""{"type":"OneCycleLR","max_lr":0.2,"epochs":8,"steps_per_epoch":25,"pct_start":0.4,""", written);
        Assert.DoesNotContain("total_steps", written);
    }

    [Fact]
    public void Warmup_stable_decay_writes_the_length_it_was_given()
    {
        Assert.Contains("\"num_stable_steps\":60", ScheduleSpec.Write(ScheduleSpec.Parse(Json("warmup_stable_decay"))));
        var total = ScheduleSpec.Write(ScheduleSpec.Parse(Json("warmup_stable_decay/total")));
        Assert.Contains("\"num_training_steps\":180", total);
        Assert.DoesNotContain("num_stable_steps", total);
    }

    [Fact]
    public void Hugging_face_plateau_alias_writes_the_pytorch_name()
    {
        var written = ScheduleSpec.Write(ScheduleSpec.Parse(Json("reduce_lr_on_plateau")));
        Assert.Equal(
            """{"type":"ReduceLROnPlateau","mode":"min","factor":0.3,"patience":2,"threshold":0.0001,"threshold_mode":"rel","cooldown":1,"min_lr":0.0001,"eps":1E-08}""",
            written);
    }

    [Fact]
    public void Lambda_types_have_no_json_form()
    {
        Assert.Equal(
            "type 'LambdaLR' takes a C# function and has no JSON form; construct it in C#",
            Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse("""{"type":"LambdaLR"}""")).Message);
        Assert.Equal(
            "type 'MultiplicativeLR' takes a C# function and has no JSON form; construct it in C#",
            Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse("""{"type":"MultiplicativeLR"}""")).Message);
        Assert.Equal(
            "LambdaLR holds a C# function and has no JSON spec form.",
            Assert.Throws<NotSupportedException>(() => ScheduleSpec.Write(new LambdaLR(t => 1.0))).Message);
        Assert.Equal(
            "MultiplicativeLR holds a C# function and has no JSON spec form.",
            Assert.Throws<NotSupportedException>(() => ScheduleSpec.Write(new MultiplicativeLR(t => 0.9))).Message);
        Assert.Equal(
            "CyclicLR holds a C# scale_fn and has no JSON spec form.",
            Assert.Throws<NotSupportedException>(() => ScheduleSpec.Write(new CyclicLR(0.001, 0.1, x => 1.0, CyclicScaleMode.Cycle))).Message);
    }

    /// <summary>A metric sequence that improves, stalls and wobbles, so plateau schedules in both modes reduce.</summary>
    internal static double Metric(long step) => 1.0 / (1 + step / 25.0) + 0.01 * (step * 7919 % 11);

    private static (double[][] Lrs, double[][] Momenta) Drive(Schedule schedule)
    {
        ParamGroup[] groups = [new(0.01, MomentumKind.Momentum, 0.9), new(0.02, MomentumKind.Momentum, 0.9)];
        var scheduler = new Scheduler(schedule, groups, null, tokensPerStep: 64);
        var lrs = new double[Steps + 1][];
        var momenta = new double[Steps + 1][];
        for (var step = 0; step <= Steps; step++)
        {
            if (step > 0)
            {
                if (schedule.NeedsMetric)
                {
                    scheduler.Step(Metric(step));
                }
                else
                {
                    scheduler.Step();
                }
            }

            lrs[step] = [.. groups.Select(g => g.LearningRate)];
            momenta[step] = [.. groups.Select(g => g.Momentum)];
        }

        return (lrs, momenta);
    }

    internal static void AssertBitwise(double expected, double actual, string what) =>
        Assert.True(
            BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
            $"{what}: expected {expected:R}, got {actual:R}");
}
