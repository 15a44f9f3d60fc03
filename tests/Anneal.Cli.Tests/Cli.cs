using Anneal.Cli;

namespace Anneal.Cli.Tests;

/// <summary>The result of one in-process run of <c>anneal</c>.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>Standard output split into lines (without the final empty line).</summary>
    public string[] OutLines => Out.Split('\n', StringSplitOptions.None)[..^1];
}

/// <summary>Runs the CLI in-process with captured writers, and gives each test its own temporary folder.</summary>
internal static class Cli
{
    internal static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var code = Program.Run(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs and asserts success with nothing on standard error.</summary>
    internal static CliResult Ok(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Equal("", result.Error);
        return result;
    }

    /// <summary>Runs and asserts exit code 2, empty standard output and exactly <paramref name="expected"/> on standard error.</summary>
    internal static void Fails(string expected, params string[] args)
    {
        var result = Run(args);
        Assert.Equal(expected + "\n", result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Out);
    }
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "anneal-cli-" + Guid.NewGuid().ToString("N"));

    public string File(string name, string? content = null)
    {
        var path = Path.Combine(Root, name);
        if (content is not null)
        {
            System.IO.File.WriteAllText(path, content);
        }

        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
