using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Anneal.Training.Experiments;

/// <summary>The warmup-stable-decay branching experiment (<c>anneal compare --branch-at 0.25,0.5,1</c>).</summary>
public sealed record BranchingOptions
{
    /// <summary>The budgets, as fractions of the comparison's steps, each in (0, 1].</summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.25, 0.5, 1.0];

    /// <summary>The cooldown's share of each budget (Hägele et al. 2024: 20%).</summary>
    public double DecayFraction { get; init; } = 0.2;

    /// <summary>The cooldown's shape (in JSON: <c>1-sqrt</c>, <c>linear</c> or <c>cosine</c>).</summary>
    [JsonConverter(typeof(RampShapeJsonConverter))]
    public RampShape DecayShape { get; init; } = RampShape.OneMinusSqrt;
}

/// <summary>A <see cref="RampShape"/> as the spec spells it (<see cref="SpecNames.Of(RampShape)"/>).</summary>
internal sealed class RampShapeJsonConverter : JsonConverter<RampShape>
{
    public override RampShape Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.GetString();
        return Enum.GetValues<RampShape>().FirstOrDefault(s => SpecNames.Of(s) == name) is var shape && SpecNames.Of(shape) == name
            ? shape
            : throw new JsonException($"decay_shape must be linear, cosine or 1-sqrt (was '{name}')");
    }

    public override void Write(Utf8JsonWriter writer, RampShape value, JsonSerializerOptions options) => writer.WriteStringValue(SpecNames.Of(value));
}

/// <summary>One budget of the branching experiment.</summary>
/// <param name="Fraction">The budget as a fraction of the comparison's steps.</param>
/// <param name="Budget">T: the budget in steps, <c>round(fraction × steps)</c>.</param>
/// <param name="DecaySteps">D: the cooldown's steps, <c>max(1, floor(decay_fraction × T))</c> (T / 5 for 20%, as the <c>wsd-1sqrt</c> preset).</param>
/// <param name="BranchStep">T - D: the step the cooldown starts at, where the branch leaves the stable run.</param>
/// <param name="Spec">The <c>warmup_stable_decay</c> spec of a separate run with this budget, which the branch follows step for step.</param>
public sealed record BranchBudget(double Fraction, int Budget, int DecaySteps, int BranchStep, string Spec)
{
    /// <summary>The run directory name: <c>branch-0.25</c>.</summary>
    public string Name => "branch-" + Fraction.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>
/// The branching plan. Every budget T shares one warmup W = max(1, steps / 20) (that of the full budget, and of the
/// <c>wsd-1sqrt</c> preset at the comparison's steps), so the separate run a branch stands for is
/// <c>warmup_stable_decay(W, D, T)</c>; those runs all equal one another up to their cooldowns. The stable run is the
/// largest budget's spec trained only up to its branch step, checkpointed at every branch step on the way.
/// </summary>
/// <param name="Warmup">W, shared by every budget.</param>
/// <param name="Budgets">The budgets, smallest first.</param>
/// <param name="StableSpec">The stable run's schedule: the largest budget's spec (its learning rates before any branch step equal every budget's).</param>
/// <param name="StableSteps">How far the stable run goes: the largest branch step.</param>
/// <param name="DecayFraction">The cooldown's share of each budget.</param>
/// <param name="DecayShape">The cooldown's shape.</param>
public sealed record BranchingPlan(int Warmup, IReadOnlyList<BranchBudget> Budgets, string StableSpec, int StableSteps, double DecayFraction, RampShape DecayShape)
{
    /// <summary>The spec of a warmup-stable-decay run with W warmup steps, D cooldown steps of <paramref name="shape"/> and T steps in all.</summary>
    public static string WsdSpec(int warmup, int decay, int total, RampShape shape) =>
        $$"""{"type":"warmup_stable_decay","num_warmup_steps":{{warmup}},"num_decay_steps":{{decay}},"num_training_steps":{{total}},"decay_type":"{{SpecNames.Of(shape)}}"}""";

    /// <summary>Plans the budgets for a comparison of <paramref name="steps"/> steps.</summary>
    /// <exception cref="TrainingInputException">A fraction outside (0, 1], two fractions giving the same budget, a bad decay fraction or shape, or a cooldown that would start inside the warmup.</exception>
    public static BranchingPlan Create(int steps, BranchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Fractions.Count == 0)
        {
            throw new TrainingInputException(TrainingOption.BranchAt, "needs at least one budget fraction, e.g. 0.25,0.5,1");
        }

        if (!(options.DecayFraction > 0 && options.DecayFraction < 1))
        {
            throw new TrainingInputException(TrainingOption.DecayFraction, $"must be in (0, 1) (was {Show(options.DecayFraction)})");
        }

        var warmup = Math.Max(1, steps / 20);
        var budgets = new List<BranchBudget>();
        foreach (var f in options.Fractions.Order())
        {
            if (!(f > 0 && f <= 1))
            {
                throw new TrainingInputException(TrainingOption.BranchAt, $"fractions must be in (0, 1] (was {Show(f)})");
            }

            var total = (int)Math.Round(f * steps, MidpointRounding.AwayFromZero);
            var decay = Math.Max(1, (int)Math.Floor((total * options.DecayFraction) + 1e-9));
            var branch = total - decay;
            if (budgets.Any(b => b.Budget == total))
            {
                throw new TrainingInputException(TrainingOption.BranchAt, $"{Show(f)} gives the same budget ({total} steps) as another fraction");
            }

            if (branch < warmup)
            {
                throw new TrainingInputException(
                    TrainingOption.BranchAt,
                    $"{Show(f)}: the cooldown of a {total}-step budget would start at step {branch}, inside the {warmup}-step warmup; use larger fractions or more steps");
            }

            budgets.Add(new BranchBudget(f, total, decay, branch, WsdSpec(warmup, decay, total, options.DecayShape)));
        }

        var last = budgets[^1];
        return new BranchingPlan(warmup, budgets, last.Spec, last.BranchStep, options.DecayFraction, options.DecayShape);
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

