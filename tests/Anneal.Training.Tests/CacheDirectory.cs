using System.Runtime.CompilerServices;
using Anneal.Training.Data.Prepared;

namespace Anneal.Training.Tests;

/// <summary>Points <see cref="PreparedCache"/> at a folder of this test run, never the user's cache (also compiled into Anneal.Cli.Tests).</summary>
internal static class CacheDirectory
{
    [ModuleInitializer]
    internal static void Initialize() =>
        Environment.SetEnvironmentVariable(PreparedCache.EnvironmentVariable, Path.Combine(Path.GetTempPath(), $"anneal-test-cache-{Environment.ProcessId}"));
}
