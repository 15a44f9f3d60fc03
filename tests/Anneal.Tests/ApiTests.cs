namespace Anneal.Tests;

/// <summary>
/// The C# surface: modes are enums spelled in one table, defaults are the types' constants (the spec uses the same),
/// <see cref="Schedule.ToString"/> is the spec, <see cref="Schedule.Horizon"/>, bounds from <c>tokens</c> anywhere in a
/// tree, construction-time validation and the one did-you-mean helper.
/// </summary>
public sealed class ApiTests
{
    [Fact]
    public void Every_mode_enum_value_has_one_spec_spelling_that_parses_back()
    {
        Assert.Equal(["triangular", "triangular2", "exp_range"], Enum.GetValues<CyclicMode>().Select(SpecNames.Of));
        Assert.Equal(["cycle", "iterations"], Enum.GetValues<CyclicScaleMode>().Select(SpecNames.Of));
        Assert.Equal(["cos", "linear"], Enum.GetValues<AnnealStrategy>().Select(SpecNames.Of));
        Assert.Equal(["min", "max"], Enum.GetValues<PlateauMode>().Select(SpecNames.Of));
        Assert.Equal(["rel", "abs"], Enum.GetValues<ThresholdMode>().Select(SpecNames.Of));
        Assert.Equal(["linear", "cosine", "1-sqrt"], Enum.GetValues<RampShape>().Select(SpecNames.Of));
        foreach (var mode in Enum.GetValues<CyclicMode>())
        {
            var parsed = Assert.IsType<CyclicLR>(ScheduleSpec.Parse($$"""{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"mode":"{{SpecNames.Of(mode)}}"}"""));
            Assert.Equal(mode, parsed.Mode);
        }

        var plateau = Assert.IsType<ReduceLROnPlateau>(ScheduleSpec.Parse("""{"type":"ReduceLROnPlateau","mode":"max","threshold_mode":"abs"}"""));
        Assert.Equal((PlateauMode.Max, ThresholdMode.Abs), (plateau.Mode, plateau.ThresholdMode));
        Assert.Equal(AnnealStrategy.Linear, Assert.IsType<OneCycleLR>(ScheduleSpec.Parse("""{"type":"OneCycleLR","max_lr":0.1,"total_steps":10,"anneal_strategy":"linear"}""")).AnnealStrategy);
    }

    [Fact]
    public void An_undefined_enum_value_is_rejected_with_the_parameter_name()
    {
        Assert.Equal("mode must be a CyclicMode (was 7)", Assert.Throws<ScheduleArgumentException>(() => new CyclicLR(0.001, 0.1, mode: (CyclicMode)7)).Message);
        Assert.Equal("anneal_strategy must be a AnnealStrategy (was 2)", Assert.Throws<ScheduleArgumentException>(() => new OneCycleLR(0.1, 10, annealStrategy: (AnnealStrategy)2)).Message);
        Assert.Equal("threshold_mode must be a ThresholdMode (was -1)", Assert.Throws<ScheduleArgumentException>(() => new ReduceLROnPlateau(thresholdMode: (ThresholdMode)(-1))).Message);
    }

    [Fact]
    public void A_custom_scale_function_has_no_mode_and_its_own_scale_mode()
    {
        var schedule = new CyclicLR(0.001, 0.1, x => 1 / x, CyclicScaleMode.Iterations, stepSizeUp: 4);
        Assert.Null(schedule.Mode);
        Assert.Equal(CyclicScaleMode.Iterations, schedule.ScaleMode);
        Assert.False(schedule.HasJsonForm);
        Assert.Equal(0.001 + (0.1 - 0.001) * 0.5 * (1 / 2.0), schedule.LearningRate(2), 15);
    }

    [Fact]
    public void Spec_defaults_are_the_types_constants()
    {
        var cyclic = Assert.IsType<CyclicLR>(ScheduleSpec.Parse("""{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1}"""));
        Assert.Equal((CyclicLR.DefaultStepSizeUp, CyclicLR.DefaultMode, CyclicLR.DefaultGamma, CyclicLR.DefaultCycleMomentum), (cyclic.StepSizeUp, cyclic.Mode!.Value, cyclic.Gamma, cyclic.CycleMomentumEnabled));
        Assert.Equal((CyclicLR.DefaultBaseMomentum, CyclicLR.DefaultMaxMomentum), (cyclic.BaseMomentum[0], cyclic.MaxMomentum[0]));
        var oneCycle = Assert.IsType<OneCycleLR>(ScheduleSpec.Parse("""{"type":"OneCycleLR","max_lr":0.1,"total_steps":100}"""));
        Assert.Equal(
            (OneCycleLR.DefaultPctStart, OneCycleLR.DefaultAnnealStrategy, OneCycleLR.DefaultDivFactor, OneCycleLR.DefaultFinalDivFactor, OneCycleLR.DefaultThreePhase),
            (oneCycle.PctStart, oneCycle.AnnealStrategy, oneCycle.DivFactor, oneCycle.FinalDivFactor, oneCycle.ThreePhase));
        var plateau = Assert.IsType<ReduceLROnPlateau>(ScheduleSpec.Parse("""{"type":"ReduceLROnPlateau"}"""));
        Assert.Equal(
            (ReduceLROnPlateau.DefaultMode, ReduceLROnPlateau.DefaultFactor, ReduceLROnPlateau.DefaultPatience, ReduceLROnPlateau.DefaultThreshold, ReduceLROnPlateau.DefaultThresholdMode, ReduceLROnPlateau.DefaultCooldown, ReduceLROnPlateau.DefaultEps),
            (plateau.Mode, plateau.Factor, plateau.Patience, plateau.Threshold, plateau.ThresholdMode, plateau.Cooldown, plateau.Eps));
        var constant = Assert.IsType<ConstantLR>(ScheduleSpec.Parse("""{"type":"ConstantLR"}"""));
        Assert.Equal((ConstantLR.DefaultFactor, ConstantLR.DefaultTotalIters), (constant.Factor0, constant.TotalIters));
        var wsd = Assert.IsType<WarmupStableDecay>(ScheduleSpec.Parse("""{"type":"warmup_stable_decay","num_warmup_steps":1,"num_decay_steps":1,"num_stable_steps":1}"""));
        Assert.Equal(
            (WarmupStableDecay.DefaultWarmupType, WarmupStableDecay.DefaultDecayType, WarmupStableDecay.DefaultMinLrRatio, WarmupStableDecay.DefaultNumCycles),
            (wsd.WarmupType, wsd.DecayType, wsd.MinLrRatio, wsd.NumCycles));
    }

    [Fact]
    public void ToString_is_the_spec_with_C_sharp_functions_as_placeholders()
    {
        Assert.Equal("""{"type":"StepLR","step_size":3,"gamma":0.1}""", new StepLR(3).ToString());
        var chain = new ChainedScheduler([new LambdaLR(t => 1.0), new ExponentialLR(0.9)]);
        Assert.Equal("""{"type":"ChainedScheduler","schedulers":[{"type":"LambdaLR","lr_lambda":"C# function"},{"type":"ExponentialLR","gamma":0.9}]}""", chain.ToString());
        Assert.False(chain.HasJsonForm);
        Assert.Equal(
            "LambdaLR at schedulers[0] holds a C# function and has no JSON spec form.",
            Assert.Throws<NotSupportedException>(() => chain.ToSpec()).Message);
        Assert.Equal(
            """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":2000,"step_size_down":2000,"scale_fn":"C# function","scale_mode":"cycle","cycle_momentum":true,"base_momentum":0.8,"max_momentum":0.9}""",
            new CyclicLR(0.001, 0.1, x => 1.0).ToString());
    }

    public static TheoryData<string, long?> Horizons() => new()
    {
        { """{"type":"CosineAnnealingLR","T_max":100}""", 100 },
        { """{"type":"LinearLR","total_iters":7}""", 7 },
        { """{"type":"ConstantLR","total_iters":4}""", 4 },
        { """{"type":"PolynomialLR","total_iters":9}""", 9 },
        { """{"type":"OneCycleLR","max_lr":0.1,"epochs":3,"steps_per_epoch":10}""", 30 },
        { """{"type":"cosine","num_warmup_steps":10,"num_training_steps":1000}""", 1000 },
        { """{"type":"linear","num_warmup_steps":10,"num_training_steps":500}""", 500 },
        { """{"type":"cosine_with_min_lr","num_warmup_steps":10,"num_training_steps":600,"min_lr_rate":0.1}""", 600 },
        { """{"type":"warmup_stable_decay","num_warmup_steps":10,"num_decay_steps":20,"num_stable_steps":70}""", 100 },
        { """{"type":"warmup_stable_decay","num_warmup_steps":10,"num_decay_steps":20,"num_training_steps":80}""", 80 },
        { """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","total_iters":5},{"type":"CosineAnnealingLR","T_max":95}],"milestones":[5]}""", 100 },
        { """{"type":"ChainedScheduler","schedulers":[{"type":"LinearLR","total_iters":5},{"type":"CosineAnnealingLR","T_max":95}]}""", 95 },
        { """{"type":"warmup","num_warmup_steps":10,"schedule":{"type":"CosineAnnealingLR","T_max":90}}""", 100 },
        { """{"type":"ExponentialLR","gamma":0.9}""", null },
        { """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1}""", null },
        { """{"type":"CosineAnnealingWarmRestarts","T_0":10}""", null },
        { """{"type":"ReduceLROnPlateau"}""", null },
        { """{"type":"SequentialLR","schedulers":[{"type":"LinearLR","total_iters":5},{"type":"ExponentialLR","gamma":0.9}],"milestones":[5]}""", null },
        { """{"type":"tokens","schedule":{"type":"cosine","num_warmup_steps":0,"num_training_steps":1000}}""", null },
    };

    [Theory]
    [MemberData(nameof(Horizons))]
    public void Horizon_is_the_run_length_in_steps(string json, long? horizon) => Assert.Equal(horizon, ScheduleSpec.Parse(json).Horizon);

    [Fact]
    public void Horizon_in_tokens_is_the_first_step_that_reaches_it()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"tokens","schedule":{"type":"cosine","num_warmup_steps":0,"num_training_steps":1000}}""");
        Assert.Equal(10, schedule.HorizonFor(100));
        Assert.Equal(11, schedule.HorizonFor(96));
    }

    public static TheoryData<string, long> TokensBounds() => new()
    {
        { """{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000}}""", 10 },
        { """{"type":"SequentialLR","milestones":[5],"schedulers":[{"type":"constant"},{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000}}]}""", 15 },
        { """{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":950}}}""", 12 },
        { """{"type":"ChainedScheduler","schedulers":[{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000}},{"type":"OneCycleLR","max_lr":0.1,"total_steps":40}]}""", 10 },
    };

    [Theory]
    [MemberData(nameof(TokensBounds))]
    public void Tokens_anywhere_in_the_tree_bound_the_schedulers_steps(string json, long maxStep)
    {
        var schedule = ScheduleSpec.Parse(json);
        var scheduler = new Scheduler(schedule, [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)], null, tokensPerStep: 100);
        Assert.Equal(maxStep, scheduler.MaxStep);
        Assert.Equal(maxStep, schedule.MaxStepFor(100));
        for (var t = 1; t <= maxStep; t++)
        {
            scheduler.Step();
        }

        Assert.Throws<InvalidOperationException>(scheduler.Step);
    }

    [Fact]
    public void A_tokens_piece_too_short_for_its_milestone_fails_when_the_tokens_per_step_are_known()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"SequentialLR","milestones":[20],"schedulers":[{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000}},{"type":"constant"}]}""");
        Assert.Null(schedule.MaxStep);
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(schedule, [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)], null, tokensPerStep: 100));
        Assert.Equal("schedulers[0] is defined for 10 steps but runs for 20 steps before milestones[0]", error.Message);

        var restarts = ScheduleSpec.Parse("""{"type":"restarts","period":50,"schedule":{"type":"tokens","schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":1000}}}""");
        Assert.Equal(
            "period must be <= the schedule's last step 10 (was 50)",
            Assert.Throws<ScheduleArgumentException>(() => new Scheduler(restarts, [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)], null, tokensPerStep: 100)).Message);
    }

    [Fact]
    public void A_plateau_under_tokens_inside_a_join_gets_its_metrics_once_active_in_tokens()
    {
        // The join's milestone counts tokens: step 2 x 100 tokens = 200 is past it, so the plateau is active and reduces.
        var schedule = ScheduleSpec.Parse("""{"type":"tokens","schedule":{"type":"SequentialLR","milestones":[150],"schedulers":[{"type":"constant"},{"type":"ReduceLROnPlateau","patience":0,"factor":0.5}]}}""");
        var group = new ParamGroup(0.1);
        var scheduler = new Scheduler(schedule, [group], null, tokensPerStep: 100);
        scheduler.Step(1.0);
        scheduler.Step(1.0);
        scheduler.Step(1.0);
        Assert.Equal(0.05, group.LearningRate);
    }

    public static TheoryData<string> HuggingFaceConstructors() =>
    [
        "constant_with_warmup", "linear", "cosine", "cosine_with_restarts", "polynomial", "inverse_sqrt", "cosine_with_min_lr",
        "cosine_warmup_with_min_lr", "warmup_stable_decay",
    ];

    [Theory]
    [MemberData(nameof(HuggingFaceConstructors))]
    public void Hugging_face_schedules_validate_at_construction_and_have_no_hidden_children(string type)
    {
        Schedule Make(long warmup) => type switch
        {
            "constant_with_warmup" => new ConstantWithWarmup(warmup),
            "linear" => new LinearWithWarmup(warmup, 100),
            "cosine" => new CosineWithWarmup(warmup, 100),
            "cosine_with_restarts" => new CosineWithHardRestarts(warmup, 100),
            "polynomial" => new PolynomialDecayWithWarmup(warmup, 100),
            "inverse_sqrt" => new InverseSqrt(warmup),
            "cosine_with_min_lr" => new CosineWithMinLr(warmup, 100, minLrRate: 0.1),
            "cosine_warmup_with_min_lr" => new CosineWarmupWithMinLr(warmup, 100, minLrRate: 0.1),
            _ => new WarmupStableDecay(warmup, 10, 100),
        };

        Assert.Equal("num_warmup_steps must be >= 0 (was -1)", Assert.Throws<ScheduleArgumentException>(() => Make(-1)).Message);
        var schedule = Make(10);
        Assert.Equal(type, schedule.TypeName);
        Assert.Empty(schedule.Children);
        Assert.Empty(schedule.Warnings);
        Assert.True(schedule.HasJsonForm);
    }

    [Theory]
    [InlineData(0.1, 10, false, "pct_start must not make pct_start * total_steps equal 1: the warm-up phase would end at step 0 with zero length, and PyTorch divides by that length at step 0 (was pct_start 0.1, total_steps 10)")]
    [InlineData(1.0, 7, false, "pct_start must be < 1 without three_phase: the annealing phase would have zero length, and PyTorch divides by that length at step total_steps (was pct_start 1, total_steps 7)")]
    [InlineData(0.55, 10, true, "pct_start must not make 2 * pct_start * total_steps - 2 equal total_steps - 1 with three_phase: the last phase would have zero length, and PyTorch divides by that length at step total_steps (was pct_start 0.55, total_steps 10)")]
    public void OneCycleLR_rejects_a_zero_length_phase(double pctStart, long totalSteps, bool threePhase, string message) =>
        Assert.Equal(message, Assert.Throws<ScheduleArgumentException>(() => new OneCycleLR(0.1, totalSteps, pctStart: pctStart, threePhase: threePhase)).Message);

    [Theory]
    [InlineData("""{"type":"ConstantLR","factor":0,"total_iters":3}""", "factor must be > 0 when total_iters > 0: PyTorch divides by factor at step total_iters (3) (was 0)")]
    [InlineData(
        """{"type":"SequentialLR","milestones":[2],"schedulers":[{"type":"constant"},{"type":"LinearLR","total_iters":0}]}""",
        "schedulers[1].total_iters must be > 0 for a LinearLR that starts at a SequentialLR milestone: PyTorch's closed form there divides by total_iters (was 0)")]
    [InlineData(
        """{"type":"SequentialLR","milestones":[2],"schedulers":[{"type":"constant"},{"type":"PolynomialLR","total_iters":0}]}""",
        "schedulers[1].total_iters must be > 0 for a PolynomialLR that starts at a SequentialLR milestone: PyTorch's closed form there divides by total_iters (was 0)")]
    [InlineData("""{"type":"inverse_sqrt","num_warmup_steps":3,"timescale":0}""", "timescale must be > 0 (was 0)")]
    public void Inputs_pytorch_divides_by_zero_on_are_rejected(string json, string message) =>
        Assert.Equal(message, Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse(json)).Message);

    [Fact]
    public void A_zero_length_first_piece_of_a_join_is_fine_where_pytorch_steps_it_chainably()
    {
        // As the first schedule PyTorch steps LinearLR's chainable form, which never divides by total_iters 0.
        var schedule = ScheduleSpec.Parse("""{"type":"SequentialLR","milestones":[3],"schedulers":[{"type":"LinearLR","start_factor":0.5,"total_iters":0},{"type":"constant"}]}""");
        Assert.Equal([0.05, 0.05, 0.05, 0.1], Enumerable.Range(0, 4).Select(t => schedule.LearningRate(t, 0.1)));
    }

    [Theory]
    [InlineData("cosin", "cosine")]
    [InlineData("StepLRR", "StepLR")]
    [InlineData("steplr", "StepLR")]
    [InlineData("warmup_stable_decy", "warmup_stable_decay")]
    [InlineData("banana", null)]
    public void Suggestions_find_the_close_name_or_none(string word, string? expected) =>
        Assert.Equal(expected, Suggestions.Closest(word, ["cosine", "StepLR", "warmup_stable_decay", "linear"]));

    [Fact]
    public void Suggestions_distance_is_levenshtein() =>
        Assert.Equal([0, 1, 1, 1, 3], new[] { ("abc", "abc"), ("abc", "abd"), ("abc", "ab"), ("abc", "xabc"), ("kitten", "sitting") }.Select(p => Suggestions.Distance(p.Item1, p.Item2)));
}
