using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>LambdaLR</c>: <c>lr(t) = base_lr * lambda(t)</c> with a C# function per group (one for all, or one per
/// group); at step 0, <c>base_lr * lambda(0)</c>. It holds code, so it has no JSON form. PyTorch has no chainable
/// form for it: in a <see cref="ChainedScheduler"/> it sets this value outright.
/// </summary>
public sealed class LambdaLR : Schedule
{
    private readonly Func<long, double>[] _lambdas;

    /// <summary>Creates the schedule with one function for every group.</summary>
    public LambdaLR(Func<long, double> lrLambda)
    {
        _lambdas = [Preconditions.NotNull(lrLambda, "lr_lambda")];
    }

    /// <summary>Creates the schedule with one function per group.</summary>
    public LambdaLR(IReadOnlyList<Func<long, double>> lrLambdas)
    {
        Preconditions.NotEmpty(lrLambdas, "lr_lambda");
        _lambdas = [.. lrLambdas.Select((f, i) => Preconditions.NotNull(f, $"lr_lambda[{i}]"))];
    }

    /// <inheritdoc />
    public override string TypeName => "LambdaLR";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context) =>
        context.BaseLr * _lambdas[_lambdas.Length == 1 ? 0 : context.Group](step);

    /// <inheritdoc />
    public override void ValidateGroups(IReadOnlyList<double> baseLrs)
    {
        if (_lambdas.Length != 1 && _lambdas.Length != baseLrs.Count)
        {
            throw Preconditions.Fail("lr_lambda", $"must have one function per parameter group: expected {baseLrs.Count}, got {_lambdas.Length}");
        }
    }

    /// <inheritdoc />
    protected override string? CodeOnlyReason => "holds a C# function";

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec) => spec["lr_lambda"] = "C# function";
}
