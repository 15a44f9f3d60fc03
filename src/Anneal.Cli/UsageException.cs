namespace Anneal.Cli;

/// <summary>Bad input found by the command line itself (options, files): printed as one <c>error:</c> line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
