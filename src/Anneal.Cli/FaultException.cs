namespace Anneal.Cli;

/// <summary>A fault (a write that failed, a run that diverged): printed as one <c>error:</c> line, exit code 1.</summary>
internal sealed class FaultException(string message) : Exception(message);
