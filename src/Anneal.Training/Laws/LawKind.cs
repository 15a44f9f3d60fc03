namespace Anneal.Training.Laws;

/// <summary>The loss law: which formula of the learning-rate sums predicts the loss curve.</summary>
public enum LawKind
{
    /// <summary>
    /// Luo et al., ICLR 2025, "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules":
    /// <c>L(t) = L0 + A (S1(t) + S_W)^-alpha - LD(t)</c> (see <see cref="MultiPowerLaw"/>).
    /// </summary>
    MultiPower,

    /// <summary>
    /// Tissue et al. 2024, "Scaling Law with Learning Rate Annealing": <c>L(s) = L0 + A S1^-alpha - C S2</c> (see
    /// <see cref="TissueLaw"/>).
    /// </summary>
    Tissue,
}

/// <summary>How the warmup enters the forward area <c>S1</c>.</summary>
public enum WarmupArea
{
    /// <summary>The warmup's learning rates as they were (Luo et al.'s <c>S_W</c>, the warmup's LR sum).</summary>
    Actual,

    /// <summary>Every warmup step counted at the peak learning rate (Tissue et al. 2024, section 3.4).</summary>
    Peak,
}

/// <summary>What the law is fitted to.</summary>
public enum FitTarget
{
    /// <summary>The validation loss at each evaluation.</summary>
    Validation,

    /// <summary>The training loss, averaged over bins of consecutive steps (the law averaged over the same steps).</summary>
    Train,
}

/// <summary>The spellings of the law enums on the command line and in <c>law.json</c>.</summary>
public static class LawNames
{
    /// <summary><c>multi-power</c> or <c>tissue</c>.</summary>
    public static string Of(LawKind kind) => kind == LawKind.MultiPower ? "multi-power" : "tissue";

    /// <summary><c>actual</c> or <c>peak</c>.</summary>
    public static string Of(WarmupArea area) => area == WarmupArea.Actual ? "actual" : "peak";

    /// <summary><c>val</c> or <c>train</c>.</summary>
    public static string Of(FitTarget target) => target == FitTarget.Validation ? "val" : "train";

    /// <summary>Parses <c>multi-power</c> or <c>tissue</c>; null when neither.</summary>
    public static LawKind? ParseLaw(string text) => text switch
    {
        "multi-power" => LawKind.MultiPower,
        "tissue" => LawKind.Tissue,
        _ => null,
    };

    /// <summary>Parses <c>actual</c> or <c>peak</c>; null when neither.</summary>
    public static WarmupArea? ParseWarmupArea(string text) => text switch
    {
        "actual" => WarmupArea.Actual,
        "peak" => WarmupArea.Peak,
        _ => null,
    };

    /// <summary>Parses <c>val</c> or <c>train</c>; null when neither.</summary>
    public static FitTarget? ParseTarget(string text) => text switch
    {
        "val" => FitTarget.Validation,
        "train" => FitTarget.Train,
        _ => null,
    };
}
