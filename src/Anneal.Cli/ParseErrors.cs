using System.CommandLine;

namespace Anneal.Cli;

/// <summary>Turns System.CommandLine's parse errors into one line that says what is wrong and how to fix it.</summary>
internal static class ParseErrors
{
    internal static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = CommandPath(parse);
        var help = $"run '{path} --help' for usage";
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            if (token.StartsWith('-'))
            {
                var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                var suggestion = Suggestions.Closest(token, names);
                return suggestion is null
                    ? $"unknown option '{token}' for '{path}'; {help}"
                    : $"unknown option '{token}' for '{path}' (did you mean '{suggestion}'?)";
            }

            if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
            {
                var suggestion = Suggestions.Closest(token, command.Subcommands.Select(c => c.Name));
                return suggestion is null
                    ? $"unknown command '{token}'; {help}"
                    : $"unknown command '{token}' (did you mean '{suggestion}'?)";
            }

            return $"unexpected argument '{token}' for '{path}' (quote inline JSON so the shell passes it as one argument); {help}";
        }

        if (command.Subcommands.Count > 0 && parse.Tokens.Count == 0)
        {
            return $"no command given (commands: {string.Join(", ", command.Subcommands.Select(c => c.Name))}); {help}";
        }

        if (command.Arguments.FirstOrDefault(a => parse.GetResult(a) is not { Tokens.Count: > 0 }) is { } argument)
        {
            return $"{argument.Name.ToUpperInvariant()} is required; {help}";
        }

        if (command.Options.FirstOrDefault(o => o.Required && parse.GetResult(o) is not { Implicit: false }) is { } missing)
        {
            return $"{missing.Name} is required; {help}";
        }

        return $"{parse.Errors[0].Message.TrimEnd('.')}; {help}";
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
