namespace Anneal.Tests;

/// <summary>
/// The exact <see cref="ScheduleArgumentException.Message"/> of every kind of spec error: the parameter (with its JSON
/// path), the rule and the value. Errors that only show against an optimizer are raised by the <see cref="Scheduler"/>.
/// </summary>
public sealed class SpecErrorTests
{
    private static readonly string KnownTypes =
        "StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, " +
        "CyclicLR, OneCycleLR, SequentialLR, ChainedScheduler, ReduceLROnPlateau, LambdaLR, MultiplicativeLR, constant, " +
        "constant_with_warmup, linear, cosine, cosine_with_restarts, polynomial, inverse_sqrt, cosine_with_min_lr, " +
        "cosine_warmup_with_min_lr, warmup_stable_decay, reduce_lr_on_plateau, warmup, restarts, tokens, ramp, piecewise_linear";

    public static TheoryData<string, string, string> ParseErrors() => new()
    {
        // JSON itself
        { "malformed JSON", """{"type":"CosineAnnealingLR","T_max":10""", "spec is not valid JSON at line 1, position 39" },
        { "missing comma", """{"type": "StepLR" "step_size": 3}""", "spec is not valid JSON at line 1, position 19" },
        {
            "NaN in JSON", """{"type":"CosineAnnealingLR","T_max":NaN}""",
            "spec is not valid JSON at line 1, position 37 (NaN and Infinity are not JSON numbers; use finite numbers)"
        },
        {
            "Infinity in JSON", """{"type":"CosineAnnealingLR","T_max":10,"eta_min":-Infinity}""",
            "spec is not valid JSON at line 1, position 51 (NaN and Infinity are not JSON numbers; use finite numbers)"
        },
        { "not an object", "[1, 2]", "spec must be a JSON object with a \"type\" (was [1,2])" },
        { "JSON null", "null", "spec must be a JSON object with a \"type\" (was null)" },

        // the type
        { "missing type", """{"T_max":10}""", "type is required (e.g. \"CosineAnnealingLR\" or \"warmup_stable_decay\")" },
        { "type not a string", """{"type":3}""", "type must be a string (was 3)" },
        {
            "unknown type with a suggestion", """{"type":"CosineAnnealing","T_max":10}""",
            "type 'CosineAnnealing' is not a schedule type (did you mean 'CosineAnnealingLR'?)"
        },
        {
            "wrong case is suggested", """{"type":"steplr","step_size":3}""",
            "type 'steplr' is not a schedule type (did you mean 'StepLR'?)"
        },
        { "unknown type without a suggestion", """{"type":"Banana"}""", $"type 'Banana' is not a schedule type (known: {KnownTypes})" },
        {
            "nested unknown type", """{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"cosine_annealing"}}""",
            "schedule.type 'cosine_annealing' is not a schedule type (did you mean 'CosineAnnealingLR'?)"
        },

        // parameter names
        {
            "misspelled parameter", """{"type":"CosineAnnealingLR","T_max":10,"T_maks":10}""",
            "T_maks is not a parameter of CosineAnnealingLR (did you mean 'T_max'?)"
        },
        {
            "misspelled required parameter", """{"type":"CosineAnnealingLR","T_maks":10}""",
            "T_max is required by CosineAnnealingLR (found 'T_maks': did you mean 'T_max'?)"
        },
        {
            "misspelled nested required parameter", """{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"StepLR","stepsize":3}],"milestones":[4]}""",
            "schedulers[1].step_size is required by StepLR (found 'stepsize': did you mean 'step_size'?)"
        },
        {
            "misspelled optional parameter", """{"type":"CosineAnnealingLR","T_max":10,"eta_mn":0.1}""",
            "eta_mn is not a parameter of CosineAnnealingLR (did you mean 'eta_min'?)"
        },
        {
            "unknown parameter without a suggestion", """{"type":"CosineAnnealingLR","T_max":10,"warmup_ratio":0.1}""",
            "warmup_ratio is not a parameter of CosineAnnealingLR (it takes T_max, eta_min)"
        },
        {
            "nested misspelled parameter", """{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"StepLR","step_size":3,"gama":0.5}],"milestones":[4]}""",
            "schedulers[1].gama is not a parameter of StepLR (did you mean 'gamma'?)"
        },

        // required parameters and JSON types
        { "missing required parameter", """{"type":"StepLR"}""", "step_size is required by StepLR" },
        { "null for a required parameter", """{"type":"StepLR","step_size":null}""", "step_size must not be null (omit it to take the default)" },
        {
            "nested missing required parameter", """{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"CosineAnnealingLR"}}""",
            "schedule.T_max is required by CosineAnnealingLR"
        },
        { "string for an integer", """{"type":"CosineAnnealingLR","T_max":"10"}""", "T_max must be an integer (was \"10\")" },
        { "fraction for an integer", """{"type":"CosineAnnealingLR","T_max":2.5}""", "T_max must be an integer (was 2.5)" },
        { "string for a number", """{"type":"StepLR","step_size":3,"gamma":"0.5"}""", "gamma must be a number (was \"0.5\")" },
        { "string NaN for a number", """{"type":"StepLR","step_size":3,"gamma":"NaN"}""", "gamma must be a finite number (was \"NaN\")" },
        { "number for a bool", """{"type":"OneCycleLR","max_lr":0.1,"total_steps":100,"three_phase":1}""", "three_phase must be true or false (was 1)" },
        { "number for a string", """{"type":"ReduceLROnPlateau","mode":0}""", "mode must be a string (was 0)" },
        { "number for a list", """{"type":"MultiStepLR","milestones":30}""", "milestones must be a list of integers (was 30)" },
        { "fraction in a list", """{"type":"MultiStepLR","milestones":[30,60.5]}""", "milestones[1] must be an integer (was 60.5)" },
        { "string in a per-group list", """{"type":"OneCycleLR","max_lr":[0.1,"0.2"],"total_steps":100}""", "max_lr[1] must be a number (was \"0.2\")" },
        { "empty per-group list", """{"type":"CyclicLR","base_lr":[],"max_lr":0.1}""", "base_lr must not be empty" },
        { "object for schedulers", """{"type":"ChainedScheduler","schedulers":{"type":"constant"}}""", "schedulers must be a list of schedule objects (was {\"type\":\"constant\"})" },
        { "empty schedulers", """{"type":"ChainedScheduler","schedulers":[]}""", "schedulers must list at least one schedule" },
        { "number for a nested schedule", """{"type":"restarts","period":10,"schedule":5}""", "schedule must be a JSON object with a \"type\" (was 5)" },

        // values the rules reject
        {
            "T_max 0 inside SequentialLR", """{"type":"SequentialLR","schedulers":[{"type":"LinearLR"},{"type":"CosineAnnealingLR","T_max":0}],"milestones":[5]}""",
            "schedulers[1].T_max must be > 0 (was 0)"
        },
        {
            "T_max 0 two levels down", """{"type":"warmup","num_warmup_steps":5,"schedule":{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"CosineAnnealingLR","T_max":0}],"milestones":[4]}}""",
            "schedule.schedulers[1].T_max must be > 0 (was 0)"
        },
        {
            "milestone count mismatch", """{"type":"SequentialLR","schedulers":[{"type":"LinearLR"},{"type":"CosineAnnealingLR","T_max":3}],"milestones":[5,6]}""",
            "milestones must have one element fewer than schedulers: got 2 schedulers and 2 milestones"
        },
        {
            "non-increasing milestones", """{"type":"SequentialLR","schedulers":[{"type":"LinearLR"},{"type":"constant"},{"type":"CosineAnnealingLR","T_max":3}],"milestones":[5,5]}""",
            "milestones[1] must be > milestones[0] (5) (was 5)"
        },
        {
            "zero milestone", """{"type":"SequentialLR","schedulers":[{"type":"LinearLR"},{"type":"constant"}],"milestones":[0]}""",
            "milestones[0] must be > 0 (was 0)"
        },
        {
            "OneCycleLR too short for its milestone", """{"type":"SequentialLR","schedulers":[{"type":"OneCycleLR","max_lr":0.1,"total_steps":10},{"type":"constant"}],"milestones":[20]}""",
            "schedulers[0] is defined for 10 steps but runs for 20 steps before milestones[0]"
        },
        { "OneCycleLR pct_start 1.5", """{"type":"OneCycleLR","max_lr":0.1,"total_steps":100,"pct_start":1.5}""", "pct_start must be between 0 and 1 (was 1.5)" },
        { "OneCycleLR without a length", """{"type":"OneCycleLR","max_lr":0.1,"epochs":10}""", "total_steps must be given, or both epochs and steps_per_epoch" },
        { "OneCycleLR bad anneal_strategy", """{"type":"OneCycleLR","max_lr":0.1,"total_steps":100,"anneal_strategy":"cosine"}""", "anneal_strategy must be one of 'cos', 'linear' (was 'cosine')" },
        { "OneCycleLR max_lr 0 in a list", """{"type":"OneCycleLR","max_lr":[0.1,0],"total_steps":100}""", "max_lr[1] must be > 0 (was 0)" },
        { "ReduceLROnPlateau factor 1.0", """{"type":"ReduceLROnPlateau","factor":1.0}""", "factor must be >= 0 and < 1 (was 1)" },
        { "ReduceLROnPlateau bad mode", """{"type":"ReduceLROnPlateau","mode":"minimum"}""", "mode must be one of 'min', 'max' (was 'minimum')" },
        { "ReduceLROnPlateau negative min_lr", """{"type":"ReduceLROnPlateau","min_lr":[0.1,-0.1]}""", "min_lr[1] must be >= 0 (was -0.1)" },
        {
            "CyclicLR bad mode", """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"mode":"sawtooth"}""",
            "mode must be one of 'triangular', 'triangular2', 'exp_range' (was 'sawtooth')"
        },
        { "CyclicLR step_size_up 0", """{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"step_size_up":0}""", "step_size_up must be > 0 (was 0)" },
        {
            "warmup_stable_decay bad decay_type", """{"type":"warmup_stable_decay","num_warmup_steps":5,"num_decay_steps":5,"num_stable_steps":5,"decay_type":"exponential"}""",
            "decay_type must be one of 'linear', 'cosine', '1-sqrt' (was 'exponential')"
        },
        {
            "warmup_stable_decay without a length", """{"type":"warmup_stable_decay","num_warmup_steps":5,"num_decay_steps":5}""",
            "num_training_steps or num_stable_steps must be set"
        },
        {
            "cosine_with_min_lr with both floors", """{"type":"cosine_with_min_lr","num_warmup_steps":5,"num_training_steps":50,"min_lr":1e-5,"min_lr_rate":0.1}""",
            "min_lr and min_lr_rate must not both be set (set one)"
        },
        {
            "cosine_with_min_lr with no floor", """{"type":"cosine_with_min_lr","num_warmup_steps":5,"num_training_steps":50}""",
            "min_lr or min_lr_rate must be set"
        },
        {
            "polynomial training as long as warmup", """{"type":"polynomial","num_warmup_steps":10,"num_training_steps":10}""",
            "num_training_steps must differ from num_warmup_steps (10): Hugging Face's polynomial decay divides by num_training_steps - num_warmup_steps at step num_warmup_steps (was 10)"
        },
        { "negative training steps", """{"type":"linear","num_warmup_steps":5,"num_training_steps":-1}""", "num_training_steps must be >= 0 (was -1)" },
        { "ExponentialLR with gamma and k", """{"type":"ExponentialLR","gamma":0.9,"k":0.1}""", "gamma and k must not both be set (gamma = e^-k; set one)" },
        {
            "ExponentialLR with neither", """{"type":"ExponentialLR"}""",
            "gamma is required by ExponentialLR (or give the article's decay rate k, gamma = e^-k)"
        },
        { "ExponentialLR negative k", """{"type":"ExponentialLR","k":-0.1}""", "k must be >= 0 (was -0.1)" },
        {
            "nested ExponentialLR with neither", """{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"ExponentialLR"}}""",
            "schedule.gamma is required by ExponentialLR (or give the article's decay rate k, gamma = e^-k)"
        },
        {
            "LinearLR start_factor 0", """{"type":"LinearLR","start_factor":0}""",
            "start_factor must be > 0 when total_iters > 0: PyTorch divides by start_factor * total_iters at step 1 (was 0)"
        },
        { "warmup start_factor 2", """{"type":"warmup","num_warmup_steps":3,"start_factor":2,"schedule":{"type":"constant"}}""", "start_factor must be between 0 and 1 (was 2)" },
        {
            "restarts longer than OneCycleLR", """{"type":"restarts","period":50,"schedule":{"type":"OneCycleLR","max_lr":0.1,"total_steps":10}}""",
            "period must be <= the schedule's last step 10 (was 50)"
        },
        { "ramp bad shape", """{"type":"ramp","num_steps":10,"from":0,"to":1,"shape":"sqrt"}""", "shape must be one of 'linear', 'cosine', '1-sqrt' (was 'sqrt')" },
        {
            "nested LambdaLR", """{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"LambdaLR"}}""",
            "schedule.type 'LambdaLR' takes a C# function and has no JSON form; construct it in C#"
        },
    };

    [Theory]
    [MemberData(nameof(ParseErrors))]
    public void Parse_error_message_is_exact(string what, string json, string message)
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse(json));
        Assert.True(message == error.Message, $"{what}:\nexpected: {message}\nactual:   {error.Message}");
    }

    [Fact]
    public void Nested_error_carries_the_path_as_parameter_and_the_rule_apart()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse(
            """{"type":"SequentialLR","schedulers":[{"type":"LinearLR"},{"type":"CosineAnnealingLR","T_max":0}],"milestones":[5]}"""));
        Assert.Equal("schedulers[1].T_max", error.Parameter);
        Assert.Equal("must be > 0 (was 0)", error.Rule);
    }

    [Fact]
    public void Whole_spec_error_has_an_empty_parameter()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse("{"));
        Assert.Equal("", error.Parameter);
        Assert.Equal(error.Rule, error.Message);
    }

    [Fact]
    public void Nested_json_errors_are_reported_with_the_line_of_a_multi_line_spec()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse("{\n  \"type\": \"StepLR\",\n  \"step_size\": 3 3\n}"));
        Assert.Equal("spec is not valid JSON at line 3, position 18", error.Message);
    }

    [Theory]
    [InlineData(
        """{"type":"warmup","num_warmup_steps":5,"schedule":{"type":"SequentialLR","schedulers":[{"type":"OneCycleLR","max_lr":0.1,"total_steps":10},{"type":"constant"}],"milestones":[20]}}""",
        "schedule.schedulers[0] is defined for 10 steps but runs for 20 steps before milestones[0]")]
    [InlineData(
        """{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"OneCycleLR","max_lr":0.1,"total_steps":10},{"type":"constant"}],"milestones":[3,30]}],"milestones":[5]}""",
        "schedulers[1].schedulers[1] is defined for 10 steps but runs for 27 steps before milestones[1]")]
    public void Nested_composite_error_keeps_its_full_path(string json, string message) =>
        Assert.Equal(message, Assert.Throws<ScheduleArgumentException>(() => ScheduleSpec.Parse(json)).Message);

    // Errors that need the optimizer: raised when the Scheduler binds the schedule to parameter groups.

    [Fact]
    public void Polynomial_lr_end_not_below_the_initial_lr_fails_at_scheduler_construction()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"polynomial","num_warmup_steps":5,"num_training_steps":50,"lr_end":0.01}""");
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(schedule, [new ParamGroup(0.001)]));
        Assert.Equal("lr_end must be smaller than the initial lr 0.001 (was 0.01)", error.Message);

        var equal = ScheduleSpec.Parse("""{"type":"polynomial","num_warmup_steps":5,"num_training_steps":50,"lr_end":0.001}""");
        Assert.Equal(
            "lr_end must be smaller than the initial lr 0.001 (was 0.001)",
            Assert.Throws<ScheduleArgumentException>(() => new Scheduler(equal, [new ParamGroup(0.001)])).Message);

        // Just below is accepted.
        _ = new Scheduler(ScheduleSpec.Parse("""{"type":"polynomial","num_warmup_steps":5,"num_training_steps":50,"lr_end":0.000999}"""), [new ParamGroup(0.001)]);
    }

    [Fact]
    public void Polynomial_lr_end_is_checked_inside_composites_too()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"polynomial","num_warmup_steps":5,"num_training_steps":50,"lr_end":0.5}}""");
        Assert.Equal(
            "schedule.lr_end must be smaller than the initial lr 0.1 (was 0.5)",
            Assert.Throws<ScheduleArgumentException>(() => new Scheduler(schedule, [new ParamGroup(0.1)])).Message);
    }

    [Theory]
    [InlineData("""{"type":"OneCycleLR","max_lr":[0.1,0.2],"total_steps":100}""", "max_lr must have one value per parameter group: expected 3, got 2")]
    [InlineData("""{"type":"OneCycleLR","max_lr":0.1,"total_steps":100,"base_momentum":[0.8,0.85]}""", "base_momentum must have one value per parameter group: expected 3, got 2")]
    [InlineData("""{"type":"CyclicLR","base_lr":[0.001,0.002],"max_lr":0.1}""", "base_lr must have one value per parameter group: expected 3, got 2")]
    [InlineData("""{"type":"CyclicLR","base_lr":0.001,"max_lr":[0.1,0.2,0.3,0.4]}""", "max_lr must have one value per parameter group: expected 3, got 4")]
    [InlineData("""{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"max_momentum":[0.9]}""", "max_momentum must have one value per parameter group: expected 3, got 1")]
    [InlineData("""{"type":"ReduceLROnPlateau","min_lr":[0.001,0.002]}""", "min_lr must have one value per parameter group: expected 3, got 2")]
    [InlineData("""{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"ReduceLROnPlateau","min_lr":[0.001,0.002]}],"milestones":[5]}""", "schedulers[1].min_lr must have one value per parameter group: expected 3, got 2")]
    [InlineData("""{"type":"warmup","num_warmup_steps":3,"schedule":{"type":"OneCycleLR","max_lr":[0.1,0.2],"total_steps":100}}""", "schedule.max_lr must have one value per parameter group: expected 3, got 2")]
    public void Per_group_list_of_the_wrong_length_fails_at_scheduler_construction(string json, string message)
    {
        var schedule = ScheduleSpec.Parse(json);
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(schedule, ThreeGroups(MomentumKind.Momentum)));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Per_group_list_of_the_right_length_is_accepted()
    {
        var scheduler = new Scheduler(ScheduleSpec.Parse("""{"type":"OneCycleLR","max_lr":[0.1,0.2,0.3],"total_steps":100}"""), ThreeGroups(MomentumKind.Momentum));
        // PyTorch's cos anneal at pct 0: max + (initial - max) / 2 * (cos(0) + 1), a rounding away from max / 25.
        Assert.Equal([.. new[] { 0.1, 0.2, 0.3 }.Select(m => m + (m / 25 - m) / 2.0 * 2.0)], scheduler.LastLearningRates);
    }

    [Theory]
    [InlineData("""{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1}""")]
    [InlineData("""{"type":"OneCycleLR","max_lr":0.1,"total_steps":100}""")]
    [InlineData("""{"type":"SequentialLR","schedulers":[{"type":"constant"},{"type":"OneCycleLR","max_lr":0.1,"total_steps":100}],"milestones":[5]}""")]
    public void Cycle_momentum_with_a_group_without_momentum_fails(string json)
    {
        var schedule = ScheduleSpec.Parse(json);
        ParamGroup[] groups = [new(0.1, MomentumKind.Momentum, 0.9), new(0.1, MomentumKind.None)];
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(schedule, groups));
        Assert.Equal(
            "cycle_momentum needs an optimizer with momentum (SGD, RMSprop) or betas (Adam, AdamW); set cycle_momentum to false",
            error.Message);
    }

    [Fact]
    public void Cycle_momentum_false_accepts_a_group_without_momentum()
    {
        var schedule = ScheduleSpec.Parse("""{"type":"CyclicLR","base_lr":0.001,"max_lr":0.1,"cycle_momentum":false}""");
        var group = new ParamGroup(0.1, MomentumKind.None);
        var scheduler = new Scheduler(schedule, [group]);
        Assert.Equal(0.001, group.LearningRate);
        Assert.True(double.IsNaN(scheduler.LastMomenta[0]));
    }

    [Fact]
    public void Negative_group_learning_rate_fails()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(new Constant(), [new ParamGroup(0.1), new ParamGroup(-0.1)]));
        Assert.Equal("lr[1] must be >= 0 (was -0.1)", error.Message);
    }

    [Fact]
    public void Base_lrs_of_the_wrong_length_fail()
    {
        var error = Assert.Throws<ScheduleArgumentException>(() => new Scheduler(new Constant(), [new ParamGroup(0.1)], [0.1, 0.2]));
        Assert.Equal("base_lrs must have one value per parameter group: expected 1, got 2", error.Message);
    }

    [Fact]
    public void Same_plateau_instance_twice_fails()
    {
        var plateau = new ReduceLROnPlateau();
        var error = Assert.Throws<ArgumentException>(() => new Scheduler(new SequentialLR([plateau, plateau], [5]), [new ParamGroup(0.1)]));
        Assert.Equal("the same ReduceLROnPlateau instance appears twice in the schedule; create one per use", error.Message);
    }

    private static ParamGroup[] ThreeGroups(MomentumKind kind) =>
        [new(0.1, kind, 0.9), new(0.1, kind, 0.9), new(0.1, kind, 0.9)];
}
