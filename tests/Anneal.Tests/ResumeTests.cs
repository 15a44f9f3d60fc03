using System.Text.Json.Nodes;

namespace Anneal.Tests;

/// <summary>
/// Exact resume: a run interrupted at step K, saved with <see cref="SchedulerStateJson.Write"/> and loaded into a fresh
/// <see cref="Scheduler"/> built from a freshly parsed spec, continues bit for bit like the uninterrupted run.
/// </summary>
public sealed class ResumeTests
{
    private const int N = 120;

    private static readonly (string Name, string Json)[] Cases =
    [
        ("ReduceLROnPlateau", """{"type":"ReduceLROnPlateau","factor":0.5,"patience":3,"cooldown":2,"min_lr":[1e-4,2e-4]}"""),
        ("ReduceLROnPlateau/max", """{"type":"ReduceLROnPlateau","mode":"max","factor":0.3,"patience":2,"threshold":0.05,"threshold_mode":"abs"}"""),
        ("warmup+plateau", """{"type":"warmup","num_warmup_steps":20,"start_factor":0.1,"schedule":{"type":"ReduceLROnPlateau","factor":0.5,"patience":4}}"""),
        ("SequentialLR+plateau", """
            {"type":"SequentialLR","milestones":[15,70],"schedulers":[
              {"type":"LinearLR","start_factor":0.2,"total_iters":15},
              {"type":"ReduceLROnPlateau","factor":0.5,"patience":3,"cooldown":1},
              {"type":"CosineAnnealingLR","T_max":50,"eta_min":1e-5}]}
            """),
        ("ChainedScheduler", """
            {"type":"ChainedScheduler","schedulers":[
              {"type":"CosineAnnealingLR","T_max":30,"eta_min":0.001},
              {"type":"StepLR","step_size":7,"gamma":0.8},
              {"type":"ConstantLR","factor":0.5,"total_iters":12}]}
            """),
        ("ChainedScheduler/absolute", """
            {"type":"ChainedScheduler","schedulers":[
              {"type":"ExponentialLR","gamma":0.99},
              {"type":"CyclicLR","base_lr":0.001,"max_lr":0.01,"step_size_up":9,"step_size_down":5,"mode":"triangular2"},
              {"type":"CosineAnnealingLR","T_max":17,"eta_min":0.0005}]}
            """),
        ("SequentialLR/momentum hand-over", """
            {"type":"SequentialLR","milestones":[30,70],"schedulers":[
              {"type":"LinearLR","start_factor":0.5,"total_iters":30},
              {"type":"OneCycleLR","max_lr":0.05,"total_steps":40},
              {"type":"ExponentialLR","gamma":0.98}]}
            """),
        ("ChainedScheduler/momentum through SequentialLR", """
            {"type":"ChainedScheduler","schedulers":[
              {"type":"ExponentialLR","gamma":0.99},
              {"type":"SequentialLR","milestones":[25],"schedulers":[{"type":"LinearLR","start_factor":0.5,"total_iters":5},{"type":"OneCycleLR","max_lr":0.05,"total_steps":95}]}]}
            """),
        ("SequentialLR+chain", """
            {"type":"SequentialLR","milestones":[20],"schedulers":[
              {"type":"LinearLR","start_factor":0.1,"total_iters":20},
              {"type":"ChainedScheduler","schedulers":[{"type":"CosineAnnealingWarmRestarts","T_0":11},{"type":"ExponentialLR","gamma":0.97}]}]}
            """),
        ("restarts+plateau", """{"type":"restarts","period":50,"schedule":{"type":"warmup","num_warmup_steps":5,"schedule":{"type":"ReduceLROnPlateau","patience":2}}}"""),
        ("CyclicLR", """{"type":"CyclicLR","base_lr":[0.001,0.002],"max_lr":0.05,"step_size_up":9,"step_size_down":14,"mode":"triangular2"}"""),
        ("OneCycleLR", """{"type":"OneCycleLR","max_lr":[0.1,0.05],"total_steps":120,"three_phase":true}"""),
        ("CosineAnnealingWarmRestarts", """{"type":"CosineAnnealingWarmRestarts","T_0":7,"T_mult":2,"eta_min":1e-5}"""),
        ("warmup_stable_decay", """{"type":"warmup_stable_decay","num_warmup_steps":10,"num_decay_steps":30,"num_training_steps":100,"min_lr_ratio":0.1}"""),
    ];

    public static TheoryData<string, int> Interruptions()
    {
        var data = new TheoryData<string, int>();
        foreach (var (name, _) in Cases)
        {
            foreach (var k in new[] { 0, 1, 17, 20, 21, 64, N - 1, N })
            {
                data.Add(name, k);
            }
        }

        return data;
    }

    private static string Json(string name) => Cases.Single(c => c.Name == name).Json;

    /// <summary>The metric fed at step t: falls, then stalls with a wobble, so the plateau schedules reduce.</summary>
    private static double Metric(long t) => 2.0 / (1 + t / 10.0) + 0.02 * (t * 31 % 7);

    private static ParamGroup[] Groups() => [new(0.01, MomentumKind.Momentum, 0.9), new(0.02, MomentumKind.Beta1, 0.95)];

    private static void Advance(Scheduler scheduler, long toStep)
    {
        while (scheduler.StepCount < toStep)
        {
            if (scheduler.Schedule.NeedsMetric)
            {
                scheduler.Step(Metric(scheduler.StepCount + 1));
            }
            else
            {
                scheduler.Step();
            }
        }
    }

    private static List<double[]> Record(Scheduler scheduler, ParamGroup[] groups, long toStep)
    {
        var rows = new List<double[]> { Row(groups) };
        while (scheduler.StepCount < toStep)
        {
            Advance(scheduler, scheduler.StepCount + 1);
            rows.Add(Row(groups));
        }

        return rows;
    }

    private static double[] Row(ParamGroup[] groups) => [.. groups.SelectMany(g => new[] { g.LearningRate, g.Momentum })];

    [Theory]
    [MemberData(nameof(Interruptions))]
    public void Resumed_run_is_bit_identical_to_the_uninterrupted_run(string name, int k)
    {
        var uninterruptedGroups = Groups();
        var uninterrupted = new Scheduler(ScheduleSpec.Parse(Json(name)), uninterruptedGroups);
        var expected = Record(uninterrupted, uninterruptedGroups, N);

        var first = new Scheduler(ScheduleSpec.Parse(Json(name)), Groups());
        Advance(first, k);
        var saved = SchedulerStateJson.Write(first);

        var freshSchedule = ScheduleSpec.Parse(Json(name));
        var resumedGroups = Groups();
        var resumed = new Scheduler(freshSchedule, resumedGroups);
        resumed.LoadState(SchedulerStateJson.Read(saved, freshSchedule));
        Assert.Equal(k, resumed.StepCount);
        var actual = Record(resumed, resumedGroups, N);

        Assert.Equal(N - k + 1, actual.Count);
        for (var i = 0; i < actual.Count; i++)
        {
            for (var j = 0; j < actual[i].Length; j++)
            {
                Assert.True(
                    BitConverter.DoubleToInt64Bits(expected[k + i][j]) == BitConverter.DoubleToInt64Bits(actual[i][j]),
                    $"{name} resumed at {k}, step {k + i}, column {j}: expected {expected[k + i][j]:R}, got {actual[i][j]:R}");
            }
        }

        Assert.Equal(uninterrupted.GetState(), resumed.GetState());
    }

    [Theory]
    [InlineData("ReduceLROnPlateau")]
    [InlineData("warmup+plateau")]
    [InlineData("SequentialLR+plateau")]
    [InlineData("restarts+plateau")]
    public void Plateau_cases_reduce_so_the_resume_carries_real_state(string name)
    {
        var groups = Groups();
        var scheduler = new Scheduler(ScheduleSpec.Parse(Json(name)), groups);
        Advance(scheduler, N);
        var plateau = Assert.Single(scheduler.GetState().Plateaus);
        Assert.True(plateau.LearningRates[0] < 0.01, $"{name}: plateau lr {plateau.LearningRates[0]:R} was never reduced");
        Assert.True(double.IsFinite(plateau.Best));
    }

    [Fact]
    public void Plateau_reduces_exactly_after_patience_bad_steps()
    {
        // patience 2: the third metric without improvement reduces; factor 0.5.
        var groups = new[] { new ParamGroup(0.5) };
        var scheduler = new Scheduler(ScheduleSpec.Parse("""{"type":"ReduceLROnPlateau","factor":0.5,"patience":2}"""), groups);
        double[] metrics = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5];
        double[] expected = [0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125];
        for (var i = 0; i < metrics.Length; i++)
        {
            scheduler.Step(metrics[i]);
            Assert.True(expected[i] == groups[0].LearningRate, $"after metric {i}: expected {expected[i]}, got {groups[0].LearningRate}");
        }
    }

    [Fact]
    public void State_saved_for_a_different_spec_fails_with_the_documented_message()
    {
        var scheduler = new Scheduler(ScheduleSpec.Parse("""{"type":"ReduceLROnPlateau","patience":2}"""), [new ParamGroup(0.1)]);
        var saved = SchedulerStateJson.Write(scheduler);
        var other = ScheduleSpec.Parse("""{"type":"ReduceLROnPlateau","patience":3}""");

        var error = Assert.Throws<ScheduleArgumentException>(() => SchedulerStateJson.Read(saved, other));
        Assert.Equal(
            """state.schedule was saved for {"type":"ReduceLROnPlateau","mode":"min","factor":0.1,"patience":2,"threshold":0.0001,"threshold_mode":"rel","cooldown":0,"min_lr":0,"eps":1E-08} but the schedule is {"type":"ReduceLROnPlateau","mode":"min","factor":0.1,"patience":3,"threshold":0.0001,"threshold_mode":"rel","cooldown":0,"min_lr":0,"eps":1E-08}; resume with the same spec""",
            error.Message);
        Assert.Equal("state.schedule", error.Parameter);
    }

    [Fact]
    public void State_is_accepted_for_an_equal_spec_written_differently()
    {
        // Defaults omitted versus spelled out: the same schedule, so the same written spec.
        var scheduler = new Scheduler(ScheduleSpec.Parse("""{"type":"StepLR","step_size":3}"""), [new ParamGroup(0.1)]);
        scheduler.Step();
        var saved = SchedulerStateJson.Write(scheduler);
        var spelled = ScheduleSpec.Parse("""{ "gamma": 0.1, "step_size": 3, "type": "StepLR" }""");
        Assert.Equal(1, SchedulerStateJson.Read(saved, spelled).Step);
    }

    [Fact]
    public void State_saved_with_a_spec_written_with_fewer_keys_still_matches()
    {
        // A state file written before a parameter was spelled out in the written spec (here: defaults omitted,
        // keys reordered) is compared as a parsed spec, so it still loads.
        var schedule = ScheduleSpec.Parse("""{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":4}""");
        var scheduler = new Scheduler(schedule, [new ParamGroup(0.1, MomentumKind.Momentum, 0.9)]);
        scheduler.Step();
        var root = JsonNode.Parse(SchedulerStateJson.Write(scheduler))!.AsObject();
        root["schedule"] = JsonNode.Parse("""{"max_lr":0.1,"type":"CyclicLR","step_size_up":4,"base_lr":0.001}""");
        Assert.Equal(1, SchedulerStateJson.Read(root.ToJsonString(), schedule).Step);
    }

    [Fact]
    public void Momentum_held_at_a_resumed_step_is_the_one_written_before_it()
    {
        // OneCycleLR ran until step 70; ExponentialLR writes no momentum, so at step 90 the group holds OneCycleLR's last.
        var schedule = ScheduleSpec.Parse(Json("SequentialLR/momentum hand-over"));
        var resumed = new ParamGroup(0.01, MomentumKind.Momentum, 0.5);
        var scheduler = new Scheduler(schedule, [resumed]);
        scheduler.LoadState(new SchedulerState(90, [0.01], []));
        Assert.Equal(OneCycleLR.DefaultMaxMomentum, resumed.Momentum);
        // And ExponentialLR runs from the initial_lr OneCycleLR left in the group, max_lr / div_factor (PyTorch's number).
        GoldenTests.AssertClose(0.05 / 25 * Math.Pow(0.98, 20), resumed.LearningRate, "lr at 90");
    }

    [Theory]
    [InlineData("not json", "state is not valid JSON; pass a file written by SchedulerStateJson.Write (anneal: --state-out)")]
    [InlineData("[]", "state is not valid JSON; pass a file written by SchedulerStateJson.Write (anneal: --state-out)")]
    [InlineData("""{"step":3}""", "state.format must be 'anneal.scheduler-state/1'; pass a file written by SchedulerStateJson.Write (anneal: --state-out)")]
    [InlineData("""{"format":"anneal.scheduler-state/2","step":3}""", "state.format must be 'anneal.scheduler-state/1'; pass a file written by SchedulerStateJson.Write (anneal: --state-out)")]
    [InlineData("""{"format":"anneal.scheduler-state/1","step":"3","base_lrs":[0.1],"plateaus":[]}""", "state is missing fields or has fields of the wrong type; pass a file written by SchedulerStateJson.Write (anneal: --state-out)")]
    [InlineData("""{"format":"anneal.scheduler-state/1","base_lrs":[0.1],"plateaus":[]}""", "state is missing fields or has fields of the wrong type; pass a file written by SchedulerStateJson.Write (anneal: --state-out)")]
    [InlineData("""{"format":"anneal.scheduler-state/1","step":-1,"base_lrs":[0.1],"plateaus":[]}""", "state.step must be >= 0 (was -1)")]
    public void Broken_state_file_fails_with_an_exact_message(string json, string message) =>
        Assert.Equal(message, Assert.Throws<ScheduleArgumentException>(() => SchedulerStateJson.Read(json, new Constant())).Message);

    [Fact]
    public void State_with_infinite_best_round_trips()
    {
        // During the warmup the plateau has seen no metric: best is +inf (min mode).
        var spec = Json("warmup+plateau");
        var scheduler = new Scheduler(ScheduleSpec.Parse(spec), Groups());
        Advance(scheduler, 5);
        Assert.Equal(double.PositiveInfinity, scheduler.GetState().Plateaus[0].Best);

        var saved = SchedulerStateJson.Write(scheduler);
        Assert.Equal("Infinity", JsonNode.Parse(saved)!["plateaus"]![0]!["best"]!.GetValue<string>());
        var read = SchedulerStateJson.Read(saved, ScheduleSpec.Parse(spec));
        Assert.Equal(scheduler.GetState(), read);
        Assert.Equal(double.PositiveInfinity, read.Plateaus[0].Best);
    }

    [Fact]
    public void State_with_negative_infinite_best_round_trips()
    {
        const string Spec = """{"type":"ReduceLROnPlateau","mode":"max"}""";
        var scheduler = new Scheduler(ScheduleSpec.Parse(Spec), [new ParamGroup(0.1)]);
        var saved = SchedulerStateJson.Write(scheduler);
        Assert.Equal("-Infinity", JsonNode.Parse(saved)!["plateaus"]![0]!["best"]!.GetValue<string>());
        var read = SchedulerStateJson.Read(saved, ScheduleSpec.Parse(Spec));
        Assert.Equal(double.NegativeInfinity, read.Plateaus[0].Best);
        Assert.Equal(scheduler.GetState(), read);
    }

    [Fact]
    public void State_with_an_infinite_metric_as_best_round_trips()
    {
        const string Spec = """{"type":"ReduceLROnPlateau"}""";
        var scheduler = new Scheduler(ScheduleSpec.Parse(Spec), [new ParamGroup(0.1)]);
        scheduler.Step(double.NegativeInfinity);
        var read = SchedulerStateJson.Read(SchedulerStateJson.Write(scheduler), ScheduleSpec.Parse(Spec));
        Assert.Equal(double.NegativeInfinity, read.Plateaus[0].Best);
        Assert.Equal(scheduler.GetState(), read);
    }

    [Fact]
    public void State_json_pins_the_format()
    {
        var scheduler = new Scheduler(ScheduleSpec.Parse("""{"type":"ReduceLROnPlateau","patience":0,"factor":0.5}"""), [new ParamGroup(0.1), new ParamGroup(0.3)]);
        scheduler.Step(1.0);
        scheduler.Step(2.0);
        var root = JsonNode.Parse(SchedulerStateJson.Write(scheduler))!;
        Assert.Equal("anneal.scheduler-state/1", root["format"]!.GetValue<string>());
        Assert.Equal(2, root["step"]!.GetValue<long>());
        Assert.Equal("[0.1,0.3]", root["base_lrs"]!.ToJsonString());
        Assert.Equal("""[{"best":1,"num_bad_epochs":0,"cooldown_counter":0,"last_epoch":2,"lrs":[0.05,0.15]}]""", root["plateaus"]!.ToJsonString());
        Assert.Equal("ReduceLROnPlateau", root["schedule"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void State_of_a_schedule_without_json_form_is_written_without_a_spec_and_read_back()
    {
        var schedule = new LambdaLR(t => 1.0 / (t + 1));
        var scheduler = new Scheduler(schedule, [new ParamGroup(0.1)]);
        scheduler.Step();
        scheduler.Step();
        var saved = SchedulerStateJson.Write(scheduler);
        Assert.Null(JsonNode.Parse(saved)!["schedule"]);
        var resumed = new Scheduler(schedule, [new ParamGroup(0.1)]);
        resumed.LoadState(SchedulerStateJson.Read(saved, schedule));
        Assert.Equal(0.1 * (1.0 / 3), resumed.LastLearningRates[0]);
    }

    [Fact]
    public void GetState_is_equal_for_equal_runs_and_a_snapshot()
    {
        var a = new Scheduler(ScheduleSpec.Parse(Json("SequentialLR+plateau")), Groups());
        var b = new Scheduler(ScheduleSpec.Parse(Json("SequentialLR+plateau")), Groups());
        Advance(a, 40);
        Advance(b, 40);
        var snapshot = a.GetState();
        Assert.Equal(snapshot, b.GetState());
        Assert.True(snapshot == b.GetState());
        Assert.Equal(snapshot.GetHashCode(), b.GetState().GetHashCode());

        Advance(a, 60);
        Assert.NotEqual(snapshot, a.GetState());
        Assert.Equal(snapshot, b.GetState());
        Assert.Equal(40, snapshot.Step);
    }

    [Fact]
    public void GetState_copies_the_learning_rates()
    {
        var scheduler = new Scheduler(new ReduceLROnPlateau(), [new ParamGroup(0.1)]);
        var state = scheduler.GetState();
        state.Plateaus[0].LearningRates[0] = 42;
        Assert.Equal(0.1, scheduler.GetState().Plateaus[0].LearningRates[0]);
        scheduler.Step(1.0);
        Assert.Equal(0.1, scheduler.LastLearningRates[0]);
    }

    [Fact]
    public void LoadState_copies_the_learning_rates()
    {
        var scheduler = new Scheduler(new ReduceLROnPlateau(), [new ParamGroup(0.1)]);
        var lrs = new[] { 0.05 };
        scheduler.LoadState(new SchedulerState(3, [0.1], [new PlateauState(1.0, 0, 0, 3, lrs)]));
        lrs[0] = 42;
        Assert.Equal(0.05, scheduler.LastLearningRates[0]);
        scheduler.Step(0.5);
        Assert.Equal(0.05, scheduler.LastLearningRates[0]);
    }

    [Fact]
    public void State_for_another_number_of_groups_fails()
    {
        var one = new Scheduler(new ReduceLROnPlateau(), [new ParamGroup(0.1)]);
        var two = new Scheduler(new ReduceLROnPlateau(), [new ParamGroup(0.1), new ParamGroup(0.2)]);
        Assert.Equal(
            "state.base_lrs must have one value per parameter group: expected 2, got 1",
            Assert.Throws<ScheduleArgumentException>(() => two.LoadState(one.GetState())).Message);
    }

    [Fact]
    public void State_with_another_number_of_plateaus_fails()
    {
        var none = new Scheduler(new Constant(), [new ParamGroup(0.1)]);
        var plateau = new Scheduler(new ReduceLROnPlateau(), [new ParamGroup(0.1)]);
        Assert.Equal(
            "state.plateaus must have one entry per ReduceLROnPlateau in the schedule: expected 1, got 0",
            Assert.Throws<ScheduleArgumentException>(() => plateau.LoadState(none.GetState())).Message);
    }

    [Fact]
    public void Resume_restores_the_base_learning_rates_of_the_state()
    {
        // The optimizer restored from a checkpoint holds the last scheduled lr, not the base: the state's base wins.
        var schedule = new StepLR(2, 0.5);
        var groups = new[] { new ParamGroup(0.1) };
        var original = new Scheduler(schedule, groups);
        Advance(original, 5);
        var saved = SchedulerStateJson.Write(original);

        var restored = new[] { new ParamGroup(groups[0].LearningRate) };
        var resumed = new Scheduler(ScheduleSpec.Parse(ScheduleSpec.Write(schedule)), restored);
        resumed.LoadState(SchedulerStateJson.Read(saved, resumed.Schedule));
        Assert.Equal([0.1], resumed.BaseLearningRates);
        Assert.Equal(0.1 * 0.25, restored[0].LearningRate);
        resumed.Step();
        Assert.Equal(0.1 * 0.125, restored[0].LearningRate);
    }
}
