namespace Anneal.Samples;

/// <summary>
/// The six learning-rate strategies of the article Anneal was founded on, written as a user writes them with Anneal.
/// Each is a value; a <see cref="Scheduler"/> drives it over an optimizer's parameter groups.
/// </summary>
public static class Strategies
{
    /// <summary>1. Constant learning rate: <c>lr(t) = lr0</c>.</summary>
    public static Schedule Constant() => new Constant();

    /// <summary>2. Exponential decay, the article's form <c>lr(t) = lr0 * exp(-k t)</c> (PyTorch <c>ExponentialLR</c>, gamma = e^-k).</summary>
    public static Schedule Exponential(double k = 0.05) => ExponentialLR.FromDecayRate(k);

    /// <summary>3. Piecewise-constant decay: multiply by gamma at each milestone (PyTorch <c>MultiStepLR</c>).</summary>
    public static Schedule PiecewiseConstant() => new MultiStepLR([30, 60, 80], gamma: 0.1);

    /// <summary>4. Cosine annealing: <c>lr(t) = lr_min + (lr_max - lr_min)(1 + cos(pi t / T_max)) / 2</c>.</summary>
    public static Schedule Cosine(long tMax = 100, double lrMin = 1e-4) => new CosineAnnealingLR(tMax, lrMin);

    /// <summary>5. One-cycle: rise to a peak, then anneal (PyTorch <c>OneCycleLR</c>), momentum cycled inversely.</summary>
    public static Schedule OneCycle(double maxLr = 0.1, long totalSteps = 100) => new OneCycleLR(maxLr, totalSteps);

    /// <summary>
    /// 6. An adaptive optimizer (Adam, RMSprop) combined with any schedule: the schedule is the same value; the
    /// optimizer's groups are Adam's (beta1 is what momentum-cycling schedules drive). Here: Adam at 3e-4 with a linear
    /// warmup and cosine decay to 10% (Hugging Face <c>cosine_with_min_lr</c>).
    /// </summary>
    public static (Schedule Schedule, IParamGroup[] Groups) AdaptiveWithSchedule() =>
        (new CosineWithMinLr(numWarmupSteps: 10, numTrainingSteps: 100, minLrRate: 0.1),
         [new ParamGroup(3e-4, MomentumKind.Beta1, 0.9)]);

    /// <summary>The strategies by name, each with an SGD group at learning rate 0.1 (the adaptive one with Adam).</summary>
    public static IReadOnlyList<(string Name, Schedule Schedule, IParamGroup[] Groups)> All() =>
    [
        ("constant", Constant(), Sgd()),
        ("exponential (k = 0.05)", Exponential(), Sgd()),
        ("piecewise constant", PiecewiseConstant(), Sgd()),
        ("cosine annealing", Cosine(), Sgd()),
        ("one-cycle", OneCycle(), Sgd()),
        ("Adam + warmup/cosine", AdaptiveWithSchedule().Schedule, AdaptiveWithSchedule().Groups),
    ];

    private static IParamGroup[] Sgd() => [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)];
}
