namespace Anneal.Cli.Inputs;

/// <summary>The in-memory optimizer the schedule drives: one <see cref="ParamGroup"/> per <c>--lr</c> value.</summary>
internal static class OptimizerGroups
{
    /// <summary>The default base learning rate (one group).</summary>
    internal const double DefaultLr = 0.1;

    /// <summary>
    /// Groups with base learning rates <paramref name="lrs"/>: SGD with <paramref name="momentum"/> (0 when neither it nor
    /// <paramref name="betas"/> is given, PyTorch's default), or Adam with beta1 = <c>betas[0]</c>.
    /// </summary>
    /// <exception cref="UsageException">Both momentum and betas, a negative learning rate, or betas outside [0, 1).</exception>
    internal static ParamGroup[] Create(double[] lrs, double? momentum, double[]? betas)
    {
        if (momentum is not null && betas is not null)
        {
            throw new UsageException("--momentum and --betas cannot be used together: --momentum means SGD, --betas means Adam; pass one of them");
        }

        for (var i = 0; i < lrs.Length; i++)
        {
            if (lrs[i] < 0)
            {
                throw new UsageException($"--lr must be >= 0 (entry {i + 1} was {Numbers.Format(lrs[i])})");
            }
        }

        if (momentum is < 0)
        {
            throw new UsageException($"--momentum must be >= 0 (was {Numbers.Format(momentum.Value)})");
        }

        if (betas is not null && (betas.Length != 2 || betas.Any(b => b is < 0 or >= 1)))
        {
            throw new UsageException($"--betas must be two numbers in [0, 1) such as 0.9,0.999 (was {string.Join(',', betas.Select(Numbers.Format))})");
        }

        return betas is null
            ? [.. lrs.Select(lr => new ParamGroup(lr, MomentumKind.Momentum, momentum ?? 0))]
            : [.. lrs.Select(lr => new ParamGroup(lr, MomentumKind.Beta1, betas[0]))];
    }
}
