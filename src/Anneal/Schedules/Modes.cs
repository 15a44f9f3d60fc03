namespace Anneal;

/// <summary>The built-in amplitude policy of <see cref="CyclicLR"/> (PyTorch's <c>mode</c>).</summary>
public enum CyclicMode
{
    /// <summary><c>triangular</c>: no amplitude scaling, <c>scale = 1</c>.</summary>
    Triangular,

    /// <summary><c>triangular2</c>: the amplitude halves every cycle, <c>scale = 1 / 2^(cycle - 1)</c>.</summary>
    Triangular2,

    /// <summary><c>exp_range</c>: the amplitude decays per step, <c>scale = gamma^t</c>.</summary>
    ExpRange,
}

/// <summary>What a custom <see cref="CyclicLR"/> scale function takes (PyTorch's <c>scale_mode</c>).</summary>
public enum CyclicScaleMode
{
    /// <summary><c>cycle</c>: the cycle number, starting at 1.</summary>
    Cycle,

    /// <summary><c>iterations</c>: the step.</summary>
    Iterations,
}

/// <summary>The curve of each <see cref="OneCycleLR"/> phase (PyTorch's <c>anneal_strategy</c>).</summary>
public enum AnnealStrategy
{
    /// <summary><c>cos</c>: <c>end + (start - end)(1 + cos(pi p))/2</c>.</summary>
    Cos,

    /// <summary><c>linear</c>: <c>start + (end - start) p</c>.</summary>
    Linear,
}

/// <summary>Which direction of the metric is an improvement for <see cref="ReduceLROnPlateau"/> (PyTorch's <c>mode</c>).</summary>
public enum PlateauMode
{
    /// <summary><c>min</c>: lower is better (a loss).</summary>
    Min,

    /// <summary><c>max</c>: higher is better (an accuracy).</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> measures an improvement (PyTorch's <c>threshold_mode</c>).</summary>
public enum ThresholdMode
{
    /// <summary><c>rel</c>: better than <c>best * (1 -/+ threshold)</c>.</summary>
    Rel,

    /// <summary><c>abs</c>: better than <c>best -/+ threshold</c>.</summary>
    Abs,
}
