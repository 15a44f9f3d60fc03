using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>MultiplicativeLR</c>: each step multiplies the learning rate by <c>lambda(t)</c>.
/// Closed form <c>lr(t) = base_lr * prod_{i=1..t} lambda(i)</c>; at step 0, <c>base_lr</c>. The prefix products are
/// memoised (the function must be pure), so driving it step by step costs O(1) per step. It has no JSON form.
/// Chainable: multiplies the current learning rate by <c>lambda(t)</c> for t &gt; 0; after a <c>SequentialLR</c>
/// milestone it continues from the learning rate there, as in PyTorch.
/// </summary>
public sealed class MultiplicativeLR : Schedule
{
    private readonly Func<long, double>[] _lambdas;
    private readonly List<double>[] _prefix;

    /// <summary>Creates the schedule with one function for every group, or one per group.</summary>
    public MultiplicativeLR(params Func<long, double>[] lrLambdas)
    {
        Preconditions.NotEmpty(lrLambdas, "lr_lambda");
        _lambdas = [.. lrLambdas.Select((f, i) => Preconditions.NotNull(f, $"lr_lambda[{i}]"))];
        _prefix = [.. _lambdas.Select(_ => new List<double> { 1.0 })];
    }

    /// <summary>The largest step it evaluates (its memo holds one double per step).</summary>
    public const long MaxMemoisedStep = 100_000_000;

    /// <inheritdoc />
    public override string TypeName => "MultiplicativeLR";

    /// <inheritdoc />
    public override double Evaluate(long step, in ScheduleContext context)
    {
        if (step > MaxMemoisedStep)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"MultiplicativeLR memoises every step's product and supports steps up to {MaxMemoisedStep}");
        }

        var index = _lambdas.Length == 1 ? 0 : context.Group;
        var prefix = _prefix[index];
        lock (prefix)
        {
            while (prefix.Count <= step)
            {
                prefix.Add(prefix[^1] * _lambdas[index](prefix.Count));
            }

            return context.BaseLr * prefix[(int)step];
        }
    }

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context) =>
        step > 0 ? currentLr * _lambdas[_lambdas.Length == 1 ? 0 : context.Group](step) : currentLr;

    /// <inheritdoc />
    internal override bool ReadsLrAtMilestone => true;

    /// <inheritdoc />
    internal override double AfterMilestone(long step, double lrAtMilestone, in ScheduleContext context) =>
        EvaluateFrom(step, lrAtMilestone, context);

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
