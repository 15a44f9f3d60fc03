using CsCheck;

namespace Anneal.Tests;

/// <summary>
/// Properties over random valid parameters and steps (CsCheck): documented bounds, monotonicity where promised,
/// continuity at joins, periodicity of restarts, linearity in the base learning rate, and finite values at giant steps.
/// </summary>
public sealed class PropertyTests
{
    private const long Iterations = 300;

    private static readonly Gen<double> BaseLr = Gen.Double[1e-6, 1.0];
    private static readonly Gen<double> Fraction = Gen.Double[0.0, 1.0];
    private static readonly Gen<double> Decay = Gen.Double[0.01, 1.0];

    // Bounds

    [Fact]
    public void CosineAnnealingLR_stays_within_eta_min_and_base_lr()
    {
        Gen.Select(Gen.Long[1, 10_000], BaseLr, Fraction, Gen.Long[0, 100_000]).Sample((tMax, baseLr, floor, step) =>
        {
            var etaMin = floor * baseLr;
            var lr = new CosineAnnealingLR(tMax, etaMin).LearningRate(step, baseLr);
            AssertWithin(etaMin, baseLr, lr, $"T_max {tMax} step {step}");
        }, iter: Iterations);
    }

    [Fact]
    public void CosineAnnealingWarmRestarts_stays_within_eta_min_and_base_lr()
    {
        Gen.Select(Gen.Long[1, 1000], Gen.Long[1, 4], BaseLr, Fraction, Gen.Long[0, 1_000_000]).Sample((t0, tMult, baseLr, floor, step) =>
        {
            var etaMin = floor * baseLr;
            var lr = new CosineAnnealingWarmRestarts(t0, tMult, etaMin).LearningRate(step, baseLr);
            AssertWithin(etaMin, baseLr, lr, $"T_0 {t0} T_mult {tMult} step {step}");
        }, iter: Iterations);
    }

    [Fact]
    public void OneCycleLR_stays_within_min_lr_and_max_lr_before_total_steps()
    {
        var shape = Gen.Select(Gen.Double[0.0, 1.0], Gen.OneOfConst(AnnealStrategy.Cos, AnnealStrategy.Linear), Gen.Bool, Gen.Double[1.0, 100.0], Gen.Double[1.0, 1e5]);
        Gen.Select(BaseLr, Gen.Long[1, 5000], shape, Fraction).Sample((maxLr, total, s, at) =>
        {
            var (pct, strategy, threePhase, div, finalDiv) = s;
            if ((double)pct * total - 1 == 0 || (threePhase ? 2 * pct * total - 2 == total - 1.0 : pct == 1))
            {
                return; // a zero-length phase: rejected, as PyTorch divides by zero there (OneCycleLRTests)
            }

            var schedule = new OneCycleLR(maxLr, totalSteps: total, pctStart: pct, annealStrategy: strategy, threePhase: threePhase, divFactor: div, finalDivFactor: finalDiv);
            var step = (long)(at * (total - 1));
            var lr = schedule.LearningRate(step);
            AssertWithin(maxLr / div / finalDiv, maxLr, lr, $"step {step} of {ScheduleSpec.Write(schedule)}");
        }, iter: Iterations);
    }

    [Fact]
    public void CyclicLR_stays_within_base_lr_and_max_lr()
    {
        var mode = Gen.Select(Gen.OneOfConst(CyclicMode.Triangular, CyclicMode.Triangular2, CyclicMode.ExpRange), Gen.Double[0.9, 1.0]);
        Gen.Select(BaseLr, Fraction, Gen.Double[0.5, 500.0], Gen.Double[0.5, 500.0], mode, Gen.Long[0, 100_000]).Sample((maxLr, low, up, down, m, step) =>
        {
            var baseLr = low * maxLr;
            var schedule = new CyclicLR(baseLr, maxLr, up, down, m.Item1, m.Item2);
            var lr = schedule.LearningRate(step);
            AssertWithin(baseLr, maxLr, lr, $"step {step} of {ScheduleSpec.Write(schedule)}");
            var momentum = schedule.Momentum(step, new ScheduleContext(0, 1.0));
            Assert.InRange(momentum, 0.8, 0.9);
        }, iter: Iterations);
    }

    [Fact]
    public void Warmup_stable_decay_stays_within_min_lr_ratio_times_base_and_base()
    {
        var lengths = Gen.Select(Gen.Long[0, 200], Gen.Long[0, 200], Gen.Long[0, 200]);
        var shapes = Gen.Select(Gen.OneOfConst(RampShape.Linear, RampShape.Cosine, RampShape.OneMinusSqrt), Gen.OneOfConst(RampShape.Linear, RampShape.Cosine, RampShape.OneMinusSqrt));
        Gen.Select(lengths, shapes, Fraction, Gen.Double[0.1, 2.0], BaseLr, Gen.Long[0, 800]).Sample((l, s, ratio, cycles, baseLr, step) =>
        {
            var schedule = new WarmupStableDecay(l.Item1, l.Item3, numStableSteps: l.Item2, warmupType: s.Item1, decayType: s.Item2, minLrRatio: ratio, numCycles: cycles);
            var lr = schedule.LearningRate(step, baseLr);
            AssertWithin(ratio * baseLr, baseLr, lr, $"step {step} of {ScheduleSpec.Write(schedule)}");
        }, iter: Iterations);
    }

    [Fact]
    public void Hugging_face_cosine_with_min_lr_stays_within_its_floor_and_base()
    {
        Gen.Select(Gen.Long[0, 100], Gen.Long[0, 1000], Fraction, BaseLr, Gen.Long[0, 2000]).Sample((warmup, extra, rate, baseLr, step) =>
        {
            var schedule = new CosineWithMinLr(warmup, warmup + extra, minLrRate: rate);
            var lr = schedule.LearningRate(step, baseLr);
            AssertWithin(step < warmup ? 0 : rate * baseLr, baseLr, lr, $"step {step} of {ScheduleSpec.Write(schedule)}");
        }, iter: Iterations);
    }

    // Monotone where promised

    [Fact]
    public void ExponentialLR_is_non_increasing()
    {
        Gen.Select(Decay, Gen.Long[0, 100_000]).Sample((gamma, step) =>
        {
            var s = new ExponentialLR(gamma);
            Assert.True(s.LearningRate(step + 1) <= s.LearningRate(step), $"gamma {gamma:R} step {step}");
        }, iter: Iterations);
    }

    [Fact]
    public void StepLR_is_non_increasing_and_constant_inside_a_step()
    {
        Gen.Select(Gen.Long[1, 1000], Decay, Gen.Long[0, 100_000]).Sample((size, gamma, step) =>
        {
            var s = new StepLR(size, gamma);
            Assert.True(s.LearningRate(step + 1) <= s.LearningRate(step));
            var start = step / size * size;
            Assert.Equal(s.LearningRate(start), s.LearningRate(start + size - 1));
            Assert.Equal(Math.Pow(gamma, step / size), s.LearningRate(step));
        }, iter: Iterations);
    }

    [Fact]
    public void MultiStepLR_is_non_increasing_and_counts_every_milestone()
    {
        Gen.Select(Gen.Long[0, 500].Array[0, 8], Decay, Gen.Long[0, 600]).Sample((milestones, gamma, step) =>
        {
            var s = new MultiStepLR(milestones, gamma);
            Assert.True(s.LearningRate(step + 1) <= s.LearningRate(step));
            Assert.Equal(Math.Pow(gamma, milestones.Count(m => m <= step)), s.LearningRate(step));
        }, iter: Iterations);
    }

    [Fact]
    public void PolynomialLR_is_non_increasing_and_zero_from_total_iters()
    {
        Gen.Select(Gen.Long[1, 5000], Gen.Double[0.0, 5.0], Gen.Long[0, 6000]).Sample((total, power, step) =>
        {
            var s = new PolynomialLR(total, power);
            Assert.True(s.LearningRate(step + 1) <= s.LearningRate(step), $"total {total} power {power:R} step {step}");
            Assert.InRange(s.LearningRate(step), 0.0, 1.0);
            if (power > 0)
            {
                Assert.Equal(0.0, s.LearningRate(total + step));
            }
        }, iter: Iterations);
    }

    [Fact]
    public void LinearLR_warmup_is_non_decreasing_and_ends_at_end_factor()
    {
        Gen.Select(Gen.Double[1e-3, 1.0], Fraction, Gen.Long[1, 5000], Gen.Long[0, 6000]).Sample((start, end01, total, step) =>
        {
            var end = start + (1 - start) * end01;
            var s = new LinearLR(start, end, total);
            Assert.True(s.LearningRate(step + 1) >= s.LearningRate(step), $"start {start:R} end {end:R} total {total} step {step}");
            Assert.Equal(start, s.LearningRate(0));
            AssertWithin(end, end, s.LearningRate(total + step), $"end_factor {end:R}");
        }, iter: Iterations);
    }

    [Fact]
    public void CosineAnnealingLR_decreases_on_zero_to_T_max()
    {
        Gen.Select(Gen.Long[1, 10_000], BaseLr, Gen.Double[0.0, 0.99], Fraction).Sample((tMax, baseLr, floor, at) =>
        {
            var etaMin = floor * baseLr;
            var s = new CosineAnnealingLR(tMax, etaMin);
            var step = (long)(at * (tMax - 1));
            Assert.True(s.LearningRate(step + 1, baseLr) < s.LearningRate(step, baseLr), $"T_max {tMax} step {step}");
            // eta_min + (base_lr - eta_min) * 1: base_lr up to one rounding (see the report on CosineAnnealingLR at step 0).
            AssertWithin(baseLr, baseLr, s.LearningRate(0, baseLr), "step 0");
            Assert.Equal(etaMin, s.LearningRate(tMax, baseLr));
        }, iter: Iterations);
    }

    [Fact]
    public void Warmup_stable_decay_warmup_phase_rises_and_decay_phase_falls()
    {
        var lengths = Gen.Select(Gen.Long[1, 300], Gen.Long[0, 300], Gen.Long[1, 300]);
        var shapes = Gen.Select(Gen.OneOfConst(RampShape.Linear, RampShape.Cosine, RampShape.OneMinusSqrt), Gen.OneOfConst(RampShape.Linear, RampShape.Cosine, RampShape.OneMinusSqrt));
        Gen.Select(lengths, shapes, Fraction, Gen.Double[0.05, 0.5], Fraction).Sample((l, s, ratio, cycles, at) =>
        {
            var (warmup, stable, decay) = l;
            var schedule = new WarmupStableDecay(warmup, decay, numStableSteps: stable, warmupType: s.Item1, decayType: s.Item2, minLrRatio: ratio, numCycles: cycles);
            var inWarmup = (long)(at * (warmup - 1));
            Assert.True(schedule.LearningRate(inWarmup + 1) >= schedule.LearningRate(inWarmup), $"warmup step {inWarmup}");
            var inDecay = warmup + stable + (long)(at * decay);
            Assert.True(schedule.LearningRate(inDecay + 1) <= schedule.LearningRate(inDecay), $"decay step {inDecay}");
            Assert.Equal(1.0, schedule.LearningRate(warmup));
            Assert.Equal(1.0, schedule.LearningRate(warmup + stable));
            Assert.Equal(ratio, schedule.LearningRate(warmup + stable + decay));
        }, iter: Iterations);
    }

    // Continuity across joins

    [Fact]
    public void Linear_warmup_into_cosine_reaches_base_lr_at_the_milestone_without_a_jump()
    {
        Gen.Select(Gen.Double[0.01, 1.0], Gen.Long[1, 1000], Gen.Long[1, 10_000], BaseLr).Sample((startFactor, warmup, tMax, baseLr) =>
        {
            var s = new SequentialLR([new LinearLR(startFactor, 1.0, warmup), new CosineAnnealingLR(tMax)], [warmup]);
            Assert.Equal(baseLr, s.LearningRate(warmup, baseLr));
            var increment = baseLr * (1 - startFactor) / warmup;
            var jump = s.LearningRate(warmup, baseLr) - s.LearningRate(warmup - 1, baseLr);
            AssertWithin(0, increment, jump, $"start_factor {startFactor:R} warmup {warmup}", Ulp(baseLr));
        }, iter: Iterations);
    }

    [Fact]
    public void Hugging_face_cosine_and_linear_are_continuous_at_the_end_of_warmup()
    {
        Gen.Select(Gen.Long[1, 1000], Gen.Long[1, 10_000], BaseLr).Sample((warmup, decay, baseLr) =>
        {
            Schedule[] schedules = [new CosineWithWarmup(warmup, warmup + decay), new LinearWithWarmup(warmup, warmup + decay)];
            foreach (var s in schedules)
            {
                Assert.Equal(baseLr, s.LearningRate(warmup, baseLr));
                var increment = baseLr / warmup;
                var before = s.LearningRate(warmup, baseLr) - s.LearningRate(warmup - 1, baseLr);
                AssertWithin(0, increment, before, $"{s} warmup {warmup}", Ulp(baseLr));
                var after = s.LearningRate(warmup, baseLr) - s.LearningRate(warmup + 1, baseLr);
                AssertWithin(0, baseLr / decay, after, $"{s} decay {decay}", Ulp(baseLr));
            }
        }, iter: Iterations);
    }

    private static readonly Schedule[] Inners =
    [
        new CosineAnnealingLR(100, 1e-4),
        new ExponentialLR(0.97),
        new StepLR(10, 0.5),
        new LinearLR(0.5, 0.1, 50),
        new ConstantLR(0.25, 7),
        new CyclicLR(0.001, 0.1, 10),
        new OneCycleLR(0.1, totalSteps: 1000),
        new CosineWithWarmup(0, 100),
        new Ramp(30, 0.3, 1.0, RampShape.Cosine),
        new SequentialLR([new ConstantLR(0.5, 10), new CosineAnnealingLR(50)], [20]),
    ];

    [Fact]
    public void Warmup_reaches_the_inner_schedules_step_zero_value_at_W()
    {
        Gen.Select(Gen.Int[0, Inners.Length - 1], Gen.Long[1, 500], Fraction, BaseLr, Gen.Long[0, 500]).Sample((i, warmup, startFactor, baseLr, later) =>
        {
            var inner = Inners[i];
            var s = new Warmup(warmup, inner, startFactor);
            var target = inner.LearningRate(0, baseLr);
            Assert.Equal(target, s.LearningRate(warmup, baseLr));
            Assert.Equal(inner.LearningRate(later, baseLr), s.LearningRate(warmup + later, baseLr));
            Assert.Equal(target * startFactor, s.LearningRate(0, baseLr));
            var before = s.LearningRate(warmup - 1, baseLr);
            AssertWithin(0, target * (1 - startFactor) / warmup, target - before, $"{inner} warmup {warmup} start_factor {startFactor:R}", Ulp(target));
        }, iter: Iterations);
    }

    [Fact]
    public void Restarts_are_periodic()
    {
        Gen.Select(Gen.Int[0, Inners.Length - 1], Gen.Long[1, 1000], Gen.Long[0, 1000], Gen.Long[0, 1000], BaseLr).Sample((i, period, at, cycles, baseLr) =>
        {
            var inner = Inners[i];
            var s = new Restarts(period, inner);
            var step = at % period;
            var expected = inner.LearningRate(step, baseLr);
            Assert.Equal(expected, s.LearningRate(step + cycles * period, baseLr));
            Assert.Equal(inner.LearningRate(0, baseLr), s.LearningRate(cycles * period, baseLr));
        }, iter: Iterations);
    }

    private static readonly MultiplicativeSchedule[] Multiplicative =
    [
        new StepLR(7, 0.5),
        new MultiStepLR([3, 3, 40], 0.3),
        new ConstantLR(0.25, 12),
        new LinearLR(0.1, 0.9, 40),
        new ExponentialLR(0.97),
        ExponentialLR.FromDecayRate(0.02),
        new PolynomialLR(150, 2.5),
        new Constant(0.5),
        new Ramp(80, 0.2, 1, RampShape.OneMinusSqrt),
        new Ramp(80, 1, 0.1, RampShape.Cosine, 1.5),
    ];

    [Fact]
    public void Multiplicative_schedules_are_base_lr_times_their_factor()
    {
        Gen.Select(Gen.Int[0, Multiplicative.Length - 1], BaseLr, Gen.Long[0, 1000]).Sample((i, baseLr, step) =>
        {
            var s = Multiplicative[i];
            Assert.Equal(baseLr * s.Factor(step), s.LearningRate(step, baseLr));
            Assert.Equal(s.Factor(step), s.LearningRate(step));
        }, iter: Iterations);
    }

    private static readonly Schedule[] ComposedOfFactors =
    [
        new SequentialLR([new LinearLR(0.1, 1, 10), new CosineAnnealingLR(100)], [10]),
        new ChainedScheduler([new ExponentialLR(0.99), new MultiStepLR([30, 60], 0.5), new ConstantLR(0.5, 20)]),
        new Warmup(20, new StepLR(10, 0.8), 0.05),
        new Restarts(40, new PolynomialLR(40, 2)),
        new CosineWithWarmup(10, 200, 1.5),
        new LinearWithWarmup(10, 200),
        new CosineWithHardRestarts(10, 200, 3),
        new ConstantWithWarmup(25),
        new InverseSqrt(10),
        new WarmupStableDecay(10, 50, numStableSteps: 50, minLrRatio: 0.1),
        new CosineWithMinLr(10, 200, minLrRate: 0.1),
        new CosineWarmupWithMinLr(10, 200, minLrRate: 0.05, warmupLrRate: 0.1),
    ];

    [Fact]
    public void Composites_of_factors_scale_linearly_in_base_lr()
    {
        Gen.Select(Gen.Int[0, ComposedOfFactors.Length - 1], BaseLr, Gen.Double[0.01, 100.0], Gen.Long[0, 400]).Sample((i, baseLr, scale, step) =>
        {
            var s = ComposedOfFactors[i];
            var one = s.LearningRate(step, baseLr);
            var scaled = s.LearningRate(step, baseLr * scale);
            Assert.True(
                Math.Abs(scaled - one * scale) <= 1e-14 * Math.Abs(scaled) + 1e-300,
                $"{s} step {step}: lr({baseLr * scale:R}) = {scaled:R}, {scale:R} * lr({baseLr:R}) = {one * scale:R}");
        }, iter: Iterations);
    }

    [Fact]
    public void CyclicLR_and_OneCycleLR_ignore_the_base_lr()
    {
        Gen.Select(BaseLr, BaseLr, Gen.Long[0, 999]).Sample((a, b, step) =>
        {
            Schedule[] absolute = [new CyclicLR(0.001, 0.1, 10, mode: CyclicMode.Triangular2), new OneCycleLR(0.1, totalSteps: 1000)];
            foreach (var s in absolute)
            {
                Assert.Equal(s.LearningRate(step, a), s.LearningRate(step, b));
            }
        }, iter: Iterations);
    }

    // Giant steps

    private static readonly long[] GiantSteps =
    [
        1_000_000_000_000, 1_000_000_000_001, 999_999_999_999, 1_000_000_000_000 + 12_345,
        long.MaxValue / 2, long.MaxValue / 2 - 1, long.MaxValue / 2 - 999,
    ];

    [Fact]
    public void With_giant_int_steps_StepLR_is_finite()
    {
        foreach (var step in GiantSteps)
        {
            Assert.Equal(0.0, new StepLR(3, 0.5).LearningRate(step, 0.1));
            Assert.Equal(0.1, new StepLR(3, 1.0).LearningRate(step, 0.1));
            Assert.Equal(0.1, new StepLR(long.MaxValue, 0.5).LearningRate(step, 0.1));
        }

        // gamma^floor(t / step_size) with a step_size that keeps the power representable.
        Assert.Equal(0.1 * Math.Pow(0.5, 1000), new StepLR(1_000_000_000, 0.5).LearningRate(1_000_000_000_000, 0.1));
    }

    [Fact]
    public void With_giant_int_steps_ExponentialLR_underflows_to_zero()
    {
        foreach (var step in GiantSteps)
        {
            Assert.Equal(0.0, new ExponentialLR(0.99).LearningRate(step, 0.1));
            Assert.Equal(0.0, ExponentialLR.FromDecayRate(1e-6).LearningRate(step, 0.1));
            Assert.Equal(0.1, new ExponentialLR(1.0).LearningRate(step, 0.1));
        }
    }

    [Theory]
    [InlineData(1L, 2L)]
    [InlineData(10L, 2L)]
    [InlineData(7L, 2L)]
    [InlineData(1000L, 2L)]
    [InlineData(5L, 1L)]
    [InlineData(3L, 3L)]
    public void With_giant_int_steps_CosineAnnealingWarmRestarts_finds_the_cycle_exactly(long t0, long tMult)
    {
        var schedule = new CosineAnnealingWarmRestarts(t0, tMult, 1e-5);
        foreach (var step in GiantSteps.Where(s => tMult <= 2 || s < 1_000_000_000_000_000))
        {
            var expected = Reference(t0, tMult, 1e-5, 0.1, step);
            var lr = schedule.LearningRate(step, 0.1);
            Assert.True(double.IsFinite(lr), $"T_0 {t0} T_mult {tMult} step {step}: {lr}");
            Assert.InRange(lr, 1e-5, 0.1);
            Assert.Equal(expected, lr);
        }
    }

    [Fact]
    public void With_giant_int_steps_CosineAnnealingWarmRestarts_restarts_at_base_lr()
    {
        // T_0 = 1, T_mult = 2: cycles start at 2^k - 1.
        var schedule = new CosineAnnealingWarmRestarts(1, 2);
        Assert.Equal(1.0, schedule.LearningRate((1L << 61) - 1));
        Assert.Equal(1.0, schedule.LearningRate((1L << 62) - 1));
        Assert.Equal(0.5, schedule.LearningRate((1L << 61) - 1 + (1L << 60)), 15);
    }

    [Theory]
    [InlineData(1L, 2L, long.MaxValue)]
    [InlineData(1L, 10L, 1_200_000_000_000_000_000)]
    [InlineData(1L, 3L, 7_000_000_000_000_000_000)]
    [InlineData(10L, 1_000_000L, 10_000_000_000_000 + 10_000_000 + 10 + 5)]
    public void With_giant_int_steps_CosineAnnealingWarmRestarts_does_not_overflow_the_cycle_length(long t0, long tMult, long step) =>
        Assert.Equal(Reference(t0, tMult, 0, 1.0, step), new CosineAnnealingWarmRestarts(t0, tMult).LearningRate(step));

    [Fact]
    public void With_giant_int_steps_CyclicLR_is_exact_at_troughs_and_peaks()
    {
        // step_size_up = step_size_down = 1000: troughs at multiples of 2000, peaks 1000 later.
        var schedule = new CyclicLR(0.25, 1.0, 1000);
        Assert.Equal(0.25, schedule.LearningRate(1_000_000_000_000));
        Assert.Equal(1.0, schedule.LearningRate(1_000_000_000_000 + 1000));
        Assert.Equal(0.625, schedule.LearningRate(1_000_000_000_000 + 500));
        foreach (var step in GiantSteps)
        {
            foreach (var mode in new[] { CyclicMode.Triangular, CyclicMode.Triangular2, CyclicMode.ExpRange })
            {
                var lr = new CyclicLR(0.001, 0.1, 1000, mode: mode, gamma: 0.999).LearningRate(step);
                Assert.True(double.IsFinite(lr), $"{mode} step {step}: {lr}");
                Assert.InRange(lr, 0.001, 0.1);
            }
        }
    }

    [Fact]
    public void With_giant_int_steps_the_driver_keeps_stepping()
    {
        ParamGroup[] groups = [new(0.1, MomentumKind.Momentum, 0.9)];
        var scheduler = new Scheduler(new CyclicLR(0.25, 1.0, 1000), groups);
        scheduler.LoadState(new SchedulerState(1_000_000_000_000 + 999, [0.1], []));
        scheduler.Step();
        Assert.Equal(1_000_000_000_000 + 1000, scheduler.StepCount);
        Assert.Equal(1.0, groups[0].LearningRate);
        Assert.Equal(0.8, groups[0].Momentum, 15);
    }

    [Fact]
    public void With_giant_int_steps_other_closed_forms_are_finite()
    {
        Schedule[] schedules =
        [
            new CosineAnnealingLR(1000, 1e-5), new PolynomialLR(1000, 2), new LinearLR(0.1, 1, 1000), new MultiStepLR([10, 1_000_000_000_000], 0.5),
            new CosineWithWarmup(100, 1000), new InverseSqrt(100), new WarmupStableDecay(10, 100, numTrainingSteps: 1000, minLrRatio: 0.1),
            new Warmup(100, new CosineAnnealingLR(1000)), new Restarts(1000, new LinearLR(0.1, 1, 1000)),
        ];
        foreach (var schedule in schedules)
        {
            foreach (var step in GiantSteps)
            {
                var lr = schedule.LearningRate(step, 0.1);
                Assert.True(double.IsFinite(lr) && lr >= 0 && lr <= 0.1, $"{schedule} step {step}: {lr}");
            }
        }
    }

    private static double Ulp(double x) => Math.BitIncrement(Math.Abs(x)) - Math.Abs(x);

    /// <summary>CosineAnnealingWarmRestarts computed with 128-bit cycle arithmetic.</summary>
    private static double Reference(long t0, long tMult, double etaMin, double baseLr, long step)
    {
        Int128 tI = t0, tCur = step;
        if (tMult == 1)
        {
            tCur = step % t0;
        }

        while (tCur >= tI)
        {
            tCur -= tI;
            tI *= tMult;
        }

        return etaMin + (baseLr - etaMin) * (1 + Math.Cos(Math.PI * (double)tCur / (double)tI)) / 2;
    }

    /// <summary>Asserts <paramref name="low"/> &lt;= <paramref name="value"/> &lt;= <paramref name="high"/> up to 4 ulps (of <paramref name="high"/>, or <paramref name="ulp"/>): the formulas round as PyTorch's do.</summary>
    private static void AssertWithin(double low, double high, double value, string what, double? ulp = null)
    {
        var slack = 4 * (ulp ?? Ulp(high));
        Assert.True(value >= low - slack && value <= high + slack, $"{what}: {value:R} not in [{low:R}, {high:R}]");
    }
}
