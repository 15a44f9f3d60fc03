namespace Anneal;

/// <summary>The table from spec type name to the factory that reads its parameters (PyTorch / Hugging Face spelling).</summary>
internal static class SpecTypes
{
    internal static readonly IReadOnlyDictionary<string, Func<SpecReader, Schedule>> All =
        new Dictionary<string, Func<SpecReader, Schedule>>(StringComparer.Ordinal)
        {
            // PyTorch torch.optim.lr_scheduler
            ["StepLR"] = r => new StepLR(r.Long("step_size"), r.Double("gamma", 0.1)),
            ["MultiStepLR"] = r => new MultiStepLR(r.LongList("milestones"), r.Double("gamma", 0.1)),
            ["ConstantLR"] = r => new ConstantLR(r.Double("factor", 1.0 / 3), r.Long("total_iters", 5)),
            ["LinearLR"] = r => new LinearLR(r.Double("start_factor", 1.0 / 3), r.Double("end_factor", 1.0), r.Long("total_iters", 5)),
            ["ExponentialLR"] = Exponential,
            ["PolynomialLR"] = r => new PolynomialLR(r.Long("total_iters", 5), r.Double("power", 1.0)),
            ["CosineAnnealingLR"] = r => new CosineAnnealingLR(r.Long("T_max"), r.Double("eta_min", 0)),
            ["CosineAnnealingWarmRestarts"] = r => new CosineAnnealingWarmRestarts(r.Long("T_0"), r.Long("T_mult", 1), r.Double("eta_min", 0)),
            ["CyclicLR"] = r => new CyclicLR(
                r.PerGroup("base_lr"), r.PerGroup("max_lr"), r.Double("step_size_up", 2000), r.OptionalDouble("step_size_down"),
                r.String("mode", "triangular"), r.Double("gamma", 1.0), r.Bool("cycle_momentum", true),
                r.OptionalPerGroup("base_momentum"), r.OptionalPerGroup("max_momentum")),
            ["OneCycleLR"] = r => new OneCycleLR(
                r.PerGroup("max_lr"), r.OptionalLong("total_steps"), r.OptionalLong("epochs"), r.OptionalLong("steps_per_epoch"),
                r.Double("pct_start", 0.3), r.String("anneal_strategy", "cos"), r.Bool("cycle_momentum", true),
                r.OptionalPerGroup("base_momentum"), r.OptionalPerGroup("max_momentum"), r.Double("div_factor", 25.0),
                r.Double("final_div_factor", 1e4), r.Bool("three_phase", false)),
            ["SequentialLR"] = r => new SequentialLR(r.Schedules("schedulers"), r.LongList("milestones")),
            ["ChainedScheduler"] = r => new ChainedScheduler(r.Schedules("schedulers")),
            ["ReduceLROnPlateau"] = r => new ReduceLROnPlateau(
                r.String("mode", "min"), r.Double("factor", 0.1), r.Long("patience", 10), r.Double("threshold", 1e-4),
                r.String("threshold_mode", "rel"), r.Long("cooldown", 0), r.OptionalPerGroup("min_lr"), r.Double("eps", 1e-8)),
            ["LambdaLR"] = r => throw NoJson(r),
            ["MultiplicativeLR"] = r => throw NoJson(r),

            // Hugging Face transformers SchedulerType names
            ["constant"] = r => new Constant(r.Double("factor", 1.0)),
            ["constant_with_warmup"] = r => new ConstantWithWarmup(r.Long("num_warmup_steps")),
            ["linear"] = r => new LinearWithWarmup(r.Long("num_warmup_steps"), r.Long("num_training_steps")),
            ["cosine"] = r => new CosineWithWarmup(r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("num_cycles", 0.5)),
            ["cosine_with_restarts"] = r => new CosineWithHardRestarts(r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Long("num_cycles", 1)),
            ["polynomial"] = r => new PolynomialDecayWithWarmup(r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("lr_end", 1e-7), r.Double("power", 1.0)),
            ["inverse_sqrt"] = r => new InverseSqrt(r.Long("num_warmup_steps"), r.OptionalLong("timescale")),
            ["cosine_with_min_lr"] = r => new CosineWithMinLr(
                r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("num_cycles", 0.5), r.OptionalDouble("min_lr"), r.OptionalDouble("min_lr_rate")),
            ["cosine_warmup_with_min_lr"] = r => new CosineWarmupWithMinLr(
                r.Long("num_warmup_steps"), r.Long("num_training_steps"), r.Double("num_cycles", 0.5), r.OptionalDouble("min_lr"),
                r.OptionalDouble("min_lr_rate"), r.OptionalDouble("warmup_lr_rate")),
            ["warmup_stable_decay"] = r => new WarmupStableDecay(
                r.Long("num_warmup_steps"), r.Long("num_decay_steps"), r.OptionalLong("num_training_steps"), r.OptionalLong("num_stable_steps"),
                Ramp.ParseShape(r.String("warmup_type", "linear"), "warmup_type"), Ramp.ParseShape(r.String("decay_type", "cosine"), "decay_type"),
                r.Double("min_lr_ratio", 0), r.Double("num_cycles", 0.5)),
            ["reduce_lr_on_plateau"] = r => new ReduceLROnPlateau(
                r.String("mode", "min"), r.Double("factor", 0.1), r.Long("patience", 10), r.Double("threshold", 1e-4),
                r.String("threshold_mode", "rel"), r.Long("cooldown", 0), r.OptionalPerGroup("min_lr"), r.Double("eps", 1e-8)),

            // Anneal's combinators and building blocks
            ["warmup"] = r => new Warmup(r.Long("num_warmup_steps"), r.Schedule("schedule"), r.Double("start_factor", 0.0)),
            ["restarts"] = r => new Restarts(r.Long("period"), r.Schedule("schedule")),
            ["tokens"] = r => new InTokens(r.Schedule("schedule")),
            ["ramp"] = r => new Ramp(r.Long("num_steps"), r.Double("from"), r.Double("to"), Ramp.ParseShape(r.String("shape", "linear"), "shape"), r.Double("num_cycles", 0.5)),
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

    private static ScheduleArgumentException NoJson(SpecReader r) =>
        new("type", $"'{r.TypeName}' takes a C# function and has no JSON form; construct it in C#");
}
