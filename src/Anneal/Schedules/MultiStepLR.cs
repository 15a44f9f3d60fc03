using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// PyTorch <c>MultiStepLR</c>: piecewise-constant decay. <c>lr(t) = base_lr * gamma^n(t)</c> where <c>n(t)</c> counts the
/// milestones <c>&lt;= t</c>, a milestone listed twice counting twice (as in PyTorch); at step 0, <c>base_lr</c>
/// (times <c>gamma</c> per milestone at 0). Chainable: multiplies by <c>gamma</c> per milestone equal to t.
/// </summary>
public sealed class MultiStepLR : MultiplicativeSchedule
{
    /// <summary>PyTorch's default <c>gamma</c>: 0.1.</summary>
    public const double DefaultGamma = 0.1;

    private readonly long[] _sorted;

    /// <summary>Creates the schedule. Milestones must be &gt;= 0 and may repeat; <paramref name="gamma"/> &gt;= 0.</summary>
    public MultiStepLR(IReadOnlyList<long> milestones, double gamma = DefaultGamma)
    {
        Preconditions.NotNull(milestones, "milestones");
        for (var i = 0; i < milestones.Count; i++)
        {
            Preconditions.NonNegative(milestones[i], $"milestones[{i}]");
        }

        Milestones = [.. milestones];
        _sorted = [.. milestones.Order()];
        Gamma = Preconditions.NonNegative(gamma, "gamma");
    }

    /// <summary>The milestones as given (<c>milestones</c>).</summary>
    public IReadOnlyList<long> Milestones { get; }

    /// <summary>Multiplicative decay per milestone (<c>gamma</c>).</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override string TypeName => "MultiStepLR";

    /// <inheritdoc />
    public override double Factor(long step) => Math.Pow(Gamma, CountAtOrBefore(_sorted, step));

    /// <inheritdoc />
    public override bool IsChainable => true;

    /// <inheritdoc />
    public override double Chain(long step, double currentLr, in ScheduleContext context)
    {
        var hits = CountAtOrBefore(_sorted, step) - (step == 0 ? 0 : CountAtOrBefore(_sorted, step - 1));
        return hits == 0 ? currentLr : currentLr * Math.Pow(Gamma, hits);
    }

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
    protected override IEnumerable<ScheduleWarning> OwnWarnings()
    {
        if (Gamma == 0 && _sorted.Length > 0)
        {
            yield return new ScheduleWarning("gamma", $"is 0: the learning rate drops to 0 at the first milestone ({_sorted[0]}) and stays there");
        }
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["milestones"] = new JsonArray([.. Milestones.Select(m => (JsonNode)m)]);
        spec["gamma"] = Gamma;
    }
}
