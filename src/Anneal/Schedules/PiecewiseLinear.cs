using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>
/// A factor given at knots and interpolated linearly between them (numpy's <c>interp</c>; PyTorch's
/// <c>SequentialLR</c> of one <c>LinearLR</c> per segment when every factor is in (0, 1]): with knots
/// <c>s_0 &lt; s_1 &lt; ... &lt; s_m</c> (<c>steps</c>) and factors <c>f_0 .. f_m</c> (<c>factors</c>),
/// <code>
/// lr(t) = base_lr * f_0                                                     t &lt;= s_0
/// lr(t) = base_lr * (f_j + (f_(j+1) - f_j) * (t - s_j) / (s_(j+1) - s_j))   s_j &lt;= t &lt;= s_(j+1)
/// lr(t) = base_lr * f_m                                                     t &gt;= s_m
/// </code>
/// At step 0, <c>base_lr * f_0</c> when <c>s_0 = 0</c>. Its horizon is the last knot <c>s_m</c>. Any shape of schedule can be written this way; it is the form
/// <c>anneal optimize</c> writes its searched schedule in (a knot every few steps after the warmup).
/// </summary>
/// <example><c>{"type":"piecewise_linear","steps":[0,100,800,1000],"factors":[0.0,1.0,1.0,0.0]}</c>: linear warmup over
/// 100 steps, constant, linear cooldown to 0 over the last 200 (0.5 at step 50, 1.0 at 100..800, 0.5 at 900).</example>
public sealed class PiecewiseLinear : MultiplicativeSchedule
{
    private readonly long[] _steps;
    private readonly double[] _factors;

    /// <summary>Creates the schedule: <paramref name="steps"/> non-empty, &gt;= 0 and strictly increasing; one factor &gt;= 0 per step.</summary>
    public PiecewiseLinear(IReadOnlyList<long> steps, IReadOnlyList<double> factors)
    {
        Preconditions.NotEmpty(steps, "steps");
        Preconditions.NotNull(factors, "factors");
        if (factors.Count != steps.Count)
        {
            throw Preconditions.Fail("factors", $"must have one value per knot in steps: expected {steps.Count}, got {factors.Count}");
        }

        _steps = new long[steps.Count];
        _factors = new double[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            _steps[i] = Preconditions.NonNegative(steps[i], $"steps[{i}]");
            if (i > 0 && steps[i] <= steps[i - 1])
            {
                throw Preconditions.Fail($"steps[{i}]", $"must be > steps[{i - 1}] = {Preconditions.Format(steps[i - 1])}: knots are strictly increasing (was {Preconditions.Format(steps[i])})");
            }

            _factors[i] = Preconditions.NonNegative(factors[i], $"factors[{i}]");
        }
    }

    /// <summary>The knots (<c>steps</c>).</summary>
    public IReadOnlyList<long> Steps => _steps;

    /// <summary>The factor at each knot (<c>factors</c>).</summary>
    public IReadOnlyList<double> Factors => _factors;

    /// <inheritdoc />
    public override string TypeName => "piecewise_linear";

    /// <summary>The last knot: the step from which the factor stays <c>f_m</c>.</summary>
    public override long? HorizonFor(long tokensPerStep) => _steps[^1];

    /// <inheritdoc />
    public override double Factor(long step)
    {
        if (step <= _steps[0])
        {
            return _factors[0];
        }

        var last = _steps.Length - 1;
        if (step >= _steps[last])
        {
            return _factors[last];
        }

        // The segment [s_j, s_(j+1)) holding the step: j = (knots <= step) - 1.
        var j = Array.BinarySearch(_steps, step);
        if (j >= 0)
        {
            return _factors[j];
        }

        j = ~j - 1;
        var p = (double)(step - _steps[j]) / (_steps[j + 1] - _steps[j]);
        return _factors[j] + (_factors[j + 1] - _factors[j]) * p;
    }

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["steps"] = new JsonArray([.. _steps.Select(s => (JsonNode)s)]);
        spec["factors"] = new JsonArray([.. _factors.Select(f => (JsonNode)f)]);
    }
}
