namespace Anneal;

/// <summary>
/// The table from spec type name to the factory that reads its parameters (PyTorch / Hugging Face spelling). Defaults
/// come from the types' own constants, so a key omitted from a spec and a C# argument left out mean the same value.
/// </summary>
internal static class SpecTypes
{
    internal static readonly IReadOnlyDictionary<string, Func<SpecReader, Schedule>> All =
        new Dictionary<string, Func<SpecReader, Schedule>>(StringComparer.Ordinal)
        {
            // PyTorch torch.optim.lr_scheduler
            ["StepLR"] = r => new StepLR(r.Long("step_size"), r.Double("gamma", StepLR.DefaultGamma)),
            ["MultiStepLR"] = r => new MultiStepLR(r.LongList("milestones"), r.Double("gamma", MultiStepLR.DefaultGamma)),
            ["ConstantLR"] = r => new ConstantLR(r.Double("factor", ConstantLR.DefaultFactor), r.Long("total_iters", ConstantLR.DefaultTotalIters)),
            ["LinearLR"] = r => new LinearLR(
                r.Double("start_factor", LinearLR.DefaultStartFactor), r.Double("end_factor", LinearLR.DefaultEndFactor), r.Long("total_iters", LinearLR.DefaultTotalIters)),
            ["ExponentialLR"] = Exponential,
            ["PolynomialLR"] = r => new PolynomialLR(r.Long("total_iters", PolynomialLR.DefaultTotalIters), r.Double("power", PolynomialLR.DefaultPower)),
            ["CosineAnnealingLR"] = r => new CosineAnnealingLR(r.Long("T_max"), r.Double("eta_min", CosineAnnealingLR.DefaultEtaMin)),
            ["CosineAnnealingWarmRestarts"] = r => new CosineAnnealingWarmRestarts(
                r.Long("T_0"), r.Long("T_mult", CosineAnnealingWarmRestarts.DefaultTMult), r.Double("eta_min", CosineAnnealingWarmRestarts.DefaultEtaMin)),
            ["CyclicLR"] = r => new CyclicLR(
                r.PerGroup("base_lr"), r.PerGroup("max_lr"), r.Double("step_size_up", CyclicLR.DefaultStepSizeUp), r.OptionalDouble("step_size_down"),
                r.Enum("mode", SpecNames.ParseCyclicMode, CyclicLR.DefaultMode), r.Double("gamma", CyclicLR.DefaultGamma),
                r.Bool("cycle_momentum", CyclicLR.DefaultCycleMomentum),
                r.OptionalPerGroup("base_momentum"), r.OptionalPerGroup("max_momentum"), r.OptionalEnum("scale_mode", SpecNames.ParseScaleMode)),
            ["OneCycleLR"] = r => new OneCycleLR(
                r.PerGroup("max_lr"), r.OptionalLong("total_steps"), r.OptionalLong("epochs"), r.OptionalLong("steps_per_epoch"),
                r.Double("pct_start", OneCycleLR.DefaultPctStart), r.Enum("anneal_strategy", SpecNames.ParseAnnealStrategy, OneCycleLR.DefaultAnnealStrategy),
                r.Bool("cycle_momentum", OneCycleLR.DefaultCycleMomentum), r.OptionalPerGroup("base_momentum"), r.OptionalPerGroup("max_momentum"),
                r.Double("div_factor", OneCycleLR.DefaultDivFactor), r.Double("final_div_factor", OneCycleLR.DefaultFinalDivFactor), r.Bool("three_phase", OneCycleLR.DefaultThreePhase)),
            ["SequentialLR"] = r => new SequentialLR(r.Schedules("schedulers"), r.LongList("milestones")),
            ["ChainedScheduler"] = r => new ChainedScheduler(r.Schedules("schedulers")),
            ["ReduceLROnPlateau"] = Plateau,
            ["LambdaLR"] = r => throw NoJson(r),
            ["MultiplicativeLR"] = r => throw NoJson(r),

            // Hugging Face transformers SchedulerType names
            ["constant"] = r => new Constant(r.Double("factor", Constant.DefaultFactor)),
            ["constant_with_warmup"] = r => new ConstantWithWarmup(r.Long("num_warmup_steps")),
            ["linear"] = r => new LinearWithWarmup(r.Long("num_warmup_steps"), r.Long("num_training_steps")),
            ["cosine"] = r => new CosineWithWarmup(r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("num_cycles", CosineWithWarmup.DefaultNumCycles)),
            ["cosine_with_restarts"] = r => new CosineWithHardRestarts(
                r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Long("num_cycles", CosineWithHardRestarts.DefaultNumCycles)),
            ["polynomial"] = r => new PolynomialDecayWithWarmup(
                r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("lr_end", PolynomialDecayWithWarmup.DefaultLrEnd),
                r.Double("power", PolynomialDecayWithWarmup.DefaultPower)),
            ["inverse_sqrt"] = r => new InverseSqrt(r.Long("num_warmup_steps"), r.OptionalLong("timescale")),
            ["cosine_with_min_lr"] = r => new CosineWithMinLr(
                r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("num_cycles", CosineWithMinLr.DefaultNumCycles),
                r.OptionalDouble("min_lr"), r.OptionalDouble("min_lr_rate")),
            ["cosine_warmup_with_min_lr"] = r => new CosineWarmupWithMinLr(
                r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("num_cycles", CosineWarmupWithMinLr.DefaultNumCycles),
                r.OptionalDouble("min_lr"), r.OptionalDouble("min_lr_rate"), r.OptionalDouble("warmup_lr_rate")),
            ["warmup_stable_decay"] = r => new WarmupStableDecay(
                r.Long("num_warmup_steps"), r.Long("num_decay_steps"), r.OptionalLong("num_training_steps"), r.OptionalLong("num_stable_steps"),
                r.Enum("warmup_type", SpecNames.ParseRampShape, WarmupStableDecay.DefaultWarmupType), r.Enum("decay_type", SpecNames.ParseRampShape, WarmupStableDecay.DefaultDecayType),
                r.Double("min_lr_ratio", WarmupStableDecay.DefaultMinLrRatio), r.Double("num_cycles", WarmupStableDecay.DefaultNumCycles)),
            ["reduce_lr_on_plateau"] = Plateau,

            // Anneal's combinators and building blocks
            ["warmup"] = r => new Warmup(r.Long("num_warmup_steps"), r.Schedule("schedule"), r.Double("start_factor", Warmup.DefaultStartFactor)),
            ["restarts"] = r => new Restarts(r.Long("period"), r.Schedule("schedule")),
            ["tokens"] = r => new InTokens(r.Schedule("schedule")),
            ["ramp"] = r => new Ramp(
                r.Long("num_steps"), r.Double("from"), r.Double("to"), r.Enum("shape", SpecNames.ParseRampShape, Ramp.DefaultShape), r.Double("num_cycles", Ramp.DefaultNumCycles)),
            ["piecewise_linear"] = r => new PiecewiseLinear(r.LongList("steps"), r.PerGroup("factors").Values),
        };

    private static Schedule Exponential(SpecReader r)
    {
        var gamma = r.OptionalDouble("gamma");
        var k = r.OptionalDouble("k");
        return (gamma, k) switch
        {
            ({ } g, null) => new ExponentialLR(g),
            (null, { } rate) => ExponentialLR.FromDecayRate(rate),
            ({ }, { }) => throw new ScheduleArgumentException("gamma", "and k must not both be set (gamma = e^-k; set one)"),
            _ => throw new ScheduleArgumentException("gamma", "is required by ExponentialLR (or give the article's decay rate k, gamma = e^-k)"),
        };
    }

    private static Schedule Plateau(SpecReader r) => new ReduceLROnPlateau(
        r.Enum("mode", SpecNames.ParsePlateauMode, ReduceLROnPlateau.DefaultMode), r.Double("factor", ReduceLROnPlateau.DefaultFactor),
        r.Long("patience", ReduceLROnPlateau.DefaultPatience), r.Double("threshold", ReduceLROnPlateau.DefaultThreshold),
        r.Enum("threshold_mode", SpecNames.ParseThresholdMode, ReduceLROnPlateau.DefaultThresholdMode), r.Long("cooldown", ReduceLROnPlateau.DefaultCooldown),
        r.OptionalPerGroup("min_lr"), r.Double("eps", ReduceLROnPlateau.DefaultEps));

    private static ScheduleArgumentException NoJson(SpecReader r) =>
        new("type", $"'{r.TypeName}' takes a C# function and has no JSON form; construct it in C#");
}
