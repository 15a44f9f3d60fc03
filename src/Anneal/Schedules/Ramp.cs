using System.Text.Json.Nodes;

namespace Anneal;

/// <summary>The curve of a <see cref="Ramp"/>.</summary>
public enum RampShape
{
    /// <summary>Straight line: rising <c>g(p) = p</c>, falling <c>d(p) = 1 - p</c>.</summary>
    Linear,

    /// <summary>Half cosine: rising <c>g(p) = (1 - cos(pi p))/2</c>, falling <c>d(p) = (1 + cos(2 pi c p))/2</c> with <c>c = num_cycles</c> (0.5 by default).</summary>
    Cosine,

    /// <summary>The "1-sqrt" cooldown of warmup-stable-decay (Hägele et al. 2024): rising <c>g(p) = 1 - sqrt(1 - p)</c>, falling <c>d(p) = 1 - sqrt(p)</c>.</summary>
    OneMinusSqrt,
}

/// <summary>
/// The building block of warmups and decays: a factor that moves from <c>from</c> to <c>to</c> over <c>num_steps</c>
/// steps along a <see cref="RampShape"/>. With <c>p = min(t / num_steps, 1)</c> (cosine decays are not clamped,
/// as in Hugging Face): rising (<c>from &lt;= to</c>) <c>lr = base_lr * (from + (to - from) g(p))</c>, falling
/// <c>lr = base_lr * (to + (from - to) d(p))</c>. At step 0, <c>base_lr * from</c>; a ramp of 0 steps is at its end,
/// <c>base_lr * to</c>, from step 0.
/// </summary>
public sealed class Ramp : MultiplicativeSchedule
{
    /// <summary>Creates a ramp; <paramref name="numSteps"/> &gt;= 0, factors &gt;= 0, <paramref name="numCycles"/> &gt; 0.</summary>
    public Ramp(long numSteps, double from, double to, RampShape shape = DefaultShape, double numCycles = DefaultNumCycles)
    {
        NumSteps = Preconditions.NonNegative(numSteps, "num_steps");
        From = Preconditions.NonNegative(from, "from");
        To = Preconditions.NonNegative(to, "to");
        Shape = Preconditions.Defined(shape, "shape");
        NumCycles = Preconditions.Positive(numCycles, "num_cycles");
    }

    /// <summary>The default <c>shape</c>: linear.</summary>
    public const RampShape DefaultShape = RampShape.Linear;

    /// <summary>The default <c>num_cycles</c> of a falling cosine: 0.5, one half wave.</summary>
    public const double DefaultNumCycles = 0.5;

    /// <summary>Length of the ramp (<c>num_steps</c>).</summary>
    public long NumSteps { get; }

    /// <summary>Factor at step 0 (<c>from</c>).</summary>
    public double From { get; }

    /// <summary>Factor at <c>num_steps</c> (<c>to</c>).</summary>
    public double To { get; }

    /// <summary>The curve (<c>shape</c>: <c>linear</c>, <c>cosine</c>, <c>1-sqrt</c>).</summary>
    public RampShape Shape { get; }

    /// <summary>Waves of a falling cosine (<c>num_cycles</c>, 0.5 = one half wave).</summary>
    public double NumCycles { get; }

    /// <inheritdoc />
    public override string TypeName => "ramp";

    /// <inheritdoc />
    public override long? HorizonFor(long tokensPerStep) => NumSteps;

    /// <inheritdoc />
    public override double Factor(long step)
    {
        if (NumSteps == 0)
        {
            return To;
        }

        var p = (double)step / NumSteps;
        if (From <= To)
        {
            return From + (To - From) * Rising(Shape, Math.Min(p, 1.0));
        }

        if (Shape != RampShape.Cosine)
        {
            p = Math.Min(p, 1.0);
        }

        return Math.Max(0.0, Falling(Shape, p, NumCycles) * (From - To) + To);
    }

    /// <summary>The rising curve <c>g(p)</c> of <paramref name="shape"/> (see <see cref="RampShape"/>).</summary>
    internal static double Rising(RampShape shape, double p) => shape switch
    {
        RampShape.Linear => p,
        RampShape.Cosine => 0.5 * (1.0 - Math.Cos(Math.PI * p)),
        _ => 1.0 - Math.Sqrt(1.0 - p),
    };

    /// <summary>The falling curve <c>d(p)</c> of <paramref name="shape"/>, a cosine of <paramref name="numCycles"/> waves (see <see cref="RampShape"/>).</summary>
    internal static double Falling(RampShape shape, double p, double numCycles) => shape switch
    {
        RampShape.Linear => 1.0 - p,
        RampShape.Cosine => 0.5 * (1.0 + Math.Cos(Math.PI * numCycles * 2.0 * p)),
        _ => 1.0 - Math.Sqrt(p),
    };

    /// <inheritdoc />
    protected override void WriteSpec(JsonObject spec)
    {
        spec["num_steps"] = NumSteps;
        spec["from"] = From;
        spec["to"] = To;
        spec["shape"] = SpecNames.Of(Shape);
        spec["num_cycles"] = NumCycles;
    }
}
