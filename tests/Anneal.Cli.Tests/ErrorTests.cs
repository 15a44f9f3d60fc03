namespace Anneal.Cli.Tests;

/// <summary>Every bad input: exit code 2, nothing on standard output, one <c>error:</c> line on standard error.</summary>
public sealed class ErrorTests
{
    private const string StepLr = """{"type":"StepLR","step_size":2}""";
    private const string Plateau = """{"type":"ReduceLROnPlateau"}""";

    [Theory]
    [InlineData("""{"type":"StepLR",""", "error: spec is not valid JSON at line 1, position 17")]
    [InlineData("""{"type":"StepLRR","step_size":2}""", "error: type 'StepLRR' is not a schedule type (did you mean 'StepLR'?)")]
    [InlineData("""{"type":"StepLR","step_size":2,"gama":0.5}""", "error: gama is not a parameter of StepLR (did you mean 'gamma'?)")]
    [InlineData("""{"type":"StepLR"}""", "error: step_size is required by StepLR")]
    [InlineData("""{"type":"StepLR","step_size":"2"}""", "error: step_size must be an integer (was \"2\")")]
    [InlineData("""{"type":"StepLR","step_size":2,"gamma":NaN}""", "error: spec is not valid JSON at line 1, position 40 (NaN and Infinity are not JSON numbers; use finite numbers)")]
    [InlineData(
        """{"type":"SequentialLR","schedulers":[{"type":"LinearLR"},{"type":"CosineAnnealingLR","T_max":0}],"milestones":[5]}""",
        "error: schedulers[1].T_max must be > 0 (was 0)")]
    [InlineData("[1]", "error: spec must be a JSON object with a \"type\" (was [1])")]
    [InlineData("spec.json", "error: spec file 'spec.json' does not exist; pass inline JSON or an existing .json file")]
    [InlineData("""{"type":"OneCycleLR","max_lr":[0.1,0.2],"total_steps":20}""", "error: max_lr must have one value per parameter group: expected 1, got 2")]
    public void BadSpecs(string spec, string expected) => Cli.Fails(expected, "schedule", spec, "--steps", "3");

    [Theory]
    [InlineData(new[] { "--steps", "-1" }, "error: --steps must be >= 0 (was -1); run 'anneal schedule --help' for usage")]
    [InlineData(new[] { "--steps", "10000001" }, "error: --steps 10000001 is more than anneal schedule can hold (at most 10000000)")]
    [InlineData(new[] { "--steps", "ten" }, "error: --steps 'ten' is not a whole number; pass a step count such as --steps 100; run 'anneal schedule --help' for usage")]
    [InlineData(new[] { "--steps", "3", "--setps", "4" }, "error: unknown option '--setps' for 'anneal schedule' (did you mean '--steps'?)")]
    [InlineData(new[] { "--steps", "3", "--colour" }, "error: unknown option '--colour' for 'anneal schedule'; run 'anneal schedule --help' for usage")]
    [InlineData(new[] { "--steps", "3", "--momentum", "0.9", "--betas", "0.9,0.999" }, "error: --momentum and --betas cannot be used together: --momentum means SGD, --betas means Adam; pass one of them")]
    [InlineData(new[] { "--steps", "3", "--betas", "0.9" }, "error: --betas must be two numbers in [0, 1) such as 0.9,0.999 (was 0.9)")]
    [InlineData(new[] { "--steps", "3", "--momentum", "NaN" }, "error: --momentum 'NaN' is not a finite number; run 'anneal schedule --help' for usage")]
    [InlineData(new[] { "--steps", "3", "--lr", "0.1,,0.2" }, "error: --lr '0.1,,0.2' has an empty entry 2; give comma-separated numbers such as --lr 0.1,0.01")]
    [InlineData(new[] { "--steps", "3", "--lr", "0.1,x" }, "error: --lr '0.1,x': 'x' is not a finite number; give comma-separated numbers such as --lr 0.1,0.01")]
    [InlineData(new[] { "--steps", "3", "--lr", "-1" }, "error: --lr must be >= 0 (entry 1 was -1)")]
    [InlineData(new[] { "--steps", "3", "--format", "xml" }, "error: --format 'xml' is not one of table, csv, json")]
    [InlineData(new[] { "--steps", "3", "--metrics", "missing.txt" }, "error: metrics file 'missing.txt' does not exist")]
    [InlineData(new[] { "--steps", "3", "--state-in", "missing.json" }, "error: state file 'missing.json' does not exist")]
    public void BadOptions(string[] options, string expected) => Cli.Fails(expected, ["schedule", StepLr, .. options]);

    [Fact]
    public void StepsPastOneCycleTotalSteps() => Cli.Fails(
        "error: --steps 30 exceeds OneCycleLR's total_steps (20); pass --steps 20 or less, or raise total_steps",
        "schedule", """{"type":"OneCycleLR","max_lr":0.1,"total_steps":20}""", "--steps", "30");

    [Fact]
    public void PlateauWithoutMetrics() => Cli.Fails(
        "error: ReduceLROnPlateau needs a metric at every step: pass --metrics FILE with one number per line (3 lines for --steps 3)",
        "schedule", Plateau, "--steps", "3");

    [Fact]
    public void NestedPlateauWithoutMetrics() => Cli.Fails(
        "error: SequentialLR contains ReduceLROnPlateau, which needs a metric at every step: pass --metrics FILE with one number per line (3 lines for --steps 3)",
        "schedule", """{"type":"SequentialLR","schedulers":[{"type":"LinearLR"},{"type":"ReduceLROnPlateau"}],"milestones":[2]}""", "--steps", "3");

    [Theory]
    [InlineData("1\n2\nabc\n", "line 3: 'abc' is not a number")]
    [InlineData("1\n\n2\n", "line 2 is blank; write one number per line (line k is the metric for step k), no blank lines")]
    [InlineData("1\nnan\n2\n", "line 2: 'nan' is not a finite number")]
    [InlineData("1\n2\n", "has 2 lines but --steps 3 needs 3 (line k is the metric for step k)")]
    public void BadMetricsFiles(string content, string expected)
    {
        using var dir = new TempDir();
        var metrics = dir.File("m.txt", content);
        Cli.Fails($"error: metrics file '{metrics}' {expected}", "schedule", Plateau, "--steps", "3", "--metrics", metrics);
    }

    [Fact]
    public void BadMetricsLinesAreErrorsEvenWhenNotNeeded()
    {
        using var dir = new TempDir();
        var metrics = dir.File("m.txt", "1\nabc\n");
        Cli.Fails($"error: metrics file '{metrics}' line 2: 'abc' is not a number", "schedule", StepLr, "--steps", "3", "--metrics", metrics);
    }

    [Fact]
    public void ExtraArgumentAndUnknownCommand()
    {
        Cli.Fails(
            "error: unexpected argument 'extra' for 'anneal schedule' (quote inline JSON so the shell passes it as one argument); run 'anneal schedule --help' for usage",
            "schedule", StepLr, "extra", "--steps", "3");
        Cli.Fails("error: unknown command 'schedul' (did you mean 'schedule'?)", "schedul");
        Cli.Fails("error: no command given (commands: schedule, train, find-lr, compare, prepare, fit, predict, optimize); run 'anneal --help' for usage");
    }

    [Fact]
    public void StateFileThatIsNotAState()
    {
        using var dir = new TempDir();
        var state = dir.File("s.json", "{}");
        Cli.Fails(
            $"error: --state-in '{state}': state.format must be 'anneal.scheduler-state/1'; pass a file written by SchedulerStateJson.Write (anneal: --state-out)",
            "schedule", StepLr, "--steps", "3", "--state-in", state);
    }
}
