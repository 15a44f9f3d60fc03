using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>MultiStepLR</c>: piecewise-constant decay. <c>lr(t) = base_lr * gamma^n(t)</c> where <c>n(t)</c> counts the
/// milestones <c>&lt;= t</c>, a milestone listed twice counting twice (as in PyTorch); at step 0, <c>base_lr</c>
/// (times <c>gamma</c> per milestone at 0).
/// </summary>
public sealed class MultiStepLR : MultiplicativeSchedule
{
    private readonly long[] _sorted;

    /// <summary>Creates the schedule. Milestones must be &gt;= 0 and may repeat; <paramref name="gamma"/> &gt; 0.</summary>
    public MultiStepLR(IReadOnlyList<long> milestones, double gamma = 0.1)
    {
        Preconditions.NotNull(milestones, "milestones");
        for (var i = 0; i < milestones.Count; i++)
        {
            Preconditions.NonNegative(milestones[i], $"milestones[{i}]");
        }

        Milestones = [.. milestones];
        _sorted = [.. milestones.Order()];
        Gamma = Preconditions.Positive(gamma, "gamma");
    }

    /// <summary>The milestones as given (<c>milestones</c>).</summary>
    public IReadOnlyList<long> Milestones { get; }

    /// <summary>Multiplicative decay per milestone (<c>gamma</c>).</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override string TypeName => "MultiStepLR";

    /// <inheritdoc />
    public override double Factor(long step) => Math.Pow(Gamma, CountAtOrBefore(_sorted, step));

    /// <summary>How many of the sorted <paramref name="sorted"/> are &lt;= <paramref name="step"/> (Python's <c>bisect_right</c>).</summary>
    internal static int CountAtOrBefore(long[] sorted, long step)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= step)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["milestones"] = new JsonArray([.. Milestones.Select(m => (JsonNode)m)]);
        spec["gamma"] = Gamma;
    }
}
