namespace Anneal;

/// <summary>Which momentum-like coefficient of an optimizer a schedule may cycle.</summary>
public enum MomentumKind
{
    /// <summary>The optimizer has no momentum coefficient (Adagrad, SGD without momentum support).</summary>
    None,

    /// <summary>The group's <c>momentum</c> (SGD, RMSprop).</summary>
    Momentum,

    /// <summary>The first entry of the group's <c>betas</c> (Adam, AdamW).</summary>
    Beta1,
}

/// <summary>
/// One parameter group of an optimizer, as the <see cref="Scheduler"/> sees it: the only seam between the
/// schedule core and an optimizer (TorchSharp's <c>ParamGroup</c> or <see cref="ParamGroup"/> in memory).
/// </summary>
public interface IParamGroup
{
    /// <summary>The learning rate the optimizer uses at its next step.</summary>
    double LearningRate { get; set; }

    /// <summary>Which coefficient <see cref="Momentum"/> reads and writes.</summary>
    MomentumKind MomentumKind { get; }

    /// <summary>The group's momentum (SGD, RMSprop) or beta1 (Adam); ignored when <see cref="MomentumKind"/> is <see cref="MomentumKind.None"/>.</summary>
    double Momentum { get; set; }
}

/// <summary>An in-memory parameter group, for driving a schedule without an optimizer (tables, plots, tests).</summary>
public sealed class ParamGroup : IParamGroup
{
    /// <summary>Creates a group with learning rate <paramref name="learningRate"/> and an optional momentum coefficient.</summary>
    public ParamGroup(double learningRate, MomentumKind momentumKind = MomentumKind.None, double momentum = 0)
    {
        LearningRate = learningRate;
        MomentumKind = momentumKind;
        Momentum = momentum;
    }

    /// <inheritdoc />
    public double LearningRate { get; set; }

    /// <inheritdoc />
    public MomentumKind MomentumKind { get; }

    /// <inheritdoc />
    public double Momentum { get; set; }
}
