using TorchSharp;
using static TorchSharp.torch.optim;

namespace Anneal.TorchSharp;

/// <summary>
/// One TorchSharp optimizer parameter group seen as an <see cref="IParamGroup"/>: the seam between the schedule core
/// and TorchSharp. The learning rate is the group's <see cref="ILearningRateController.LearningRate"/> (its
/// <c>Options.LearningRate</c>, which the optimizer reads at every <c>step()</c>); the momentum is the group's
/// <see cref="IMomentum.Momentum"/> (SGD, RMSprop) or the first of its <see cref="IBetas.Betas"/> (Adam, AdamW),
/// whose second entry is left as it was.
/// </summary>
/// <remarks>
/// As in PyTorch, SGD always counts as an optimizer with momentum: a one-cycle schedule with
/// <c>cycle_momentum</c> writes momentum into an SGD group even when it was constructed with momentum 0.
/// Optimizers with neither (Adagrad, ASGD, Rprop, ...) have <see cref="MomentumKind.None"/>.
/// </remarks>
public sealed class TorchParamGroup : IParamGroup
{
    /// <summary>Wraps <paramref name="group"/>, one element of a TorchSharp optimizer's <c>ParamGroups</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public TorchParamGroup(ILearningRateController group)
    {
        ArgumentNullException.ThrowIfNull(group);
        Group = group;
        MomentumKind = group switch
        {
            IMomentum => MomentumKind.Momentum,
            IBetas => MomentumKind.Beta1,
            _ => MomentumKind.None,
        };
    }

    /// <summary>The TorchSharp parameter group.</summary>
    public ILearningRateController Group { get; }

    /// <inheritdoc />
    public double LearningRate
    {
        get => Group.LearningRate;
        set => Group.LearningRate = value;
    }

    /// <inheritdoc />
    public MomentumKind MomentumKind { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The group has no momentum coefficient (<see cref="MomentumKind.None"/>).</exception>
    public double Momentum
    {
        get => Group switch
        {
            IMomentum m => m.Momentum,
            IBetas b => b.Betas.Item1,
            _ => double.NaN,
        };
        set
        {
            switch (Group)
            {
                case IMomentum m:
                    m.Momentum = value;
                    break;
                case IBetas b:
                    b.Betas = (value, b.Betas.Item2);
                    break;
                default:
                    throw new InvalidOperationException($"{Group.GetType().FullName} has no momentum or betas to set");
            }
        }
    }
}
