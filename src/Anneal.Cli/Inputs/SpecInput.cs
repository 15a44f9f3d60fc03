namespace Anneal.Cli.Inputs;

/// <summary>The SPEC argument: inline JSON, or the path of a <c>.json</c> file holding it.</summary>
internal static class SpecInput
{
    /// <summary>Reads and parses the spec.</summary>
    /// <exception cref="UsageException">The path names a missing or unreadable file.</exception>
    /// <exception cref="ScheduleArgumentException">The JSON is malformed or breaks a rule; the message names the JSON path.</exception>
    internal static Schedule Parse(string argument)
    {
        if (File.Exists(argument))
        {
            return ScheduleSpec.Parse(InputFiles.ReadText(argument, "spec file"));
        }

        var trimmed = argument.TrimStart();
        if (!trimmed.StartsWith('{') && !trimmed.StartsWith('['))
        {
            if (Directory.Exists(argument))
            {
                throw new UsageException($"spec '{argument}' is a directory; pass inline JSON or a .json file");
            }

            if (argument.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || argument.Contains('/') || argument.Contains('\\'))
            {
                throw new UsageException($"spec file '{argument}' does not exist; pass inline JSON or an existing .json file");
            }

            throw new UsageException($"spec '{argument}' is neither JSON nor an existing file; pass inline JSON such as '{{\"type\":\"StepLR\",\"step_size\":10}}' or a .json file");
        }

        return ScheduleSpec.Parse(argument);
    }
}
