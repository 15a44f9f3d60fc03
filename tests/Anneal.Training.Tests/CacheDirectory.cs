using System.Runtime.CompilerServices;
using Anneal.Training.Data.Prepared;

namespace Anneal.Training.Tests;

/// <summary>
/// Points <see cref="PreparedCache"/> at a folder of this test run, never the user's cache, and removes it when the run
/// ends (also compiled into Anneal.Cli.Tests).
/// </summary>
internal static class CacheDirectory
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        var root = Path.Combine(Path.GetTempPath(), $"anneal-test-cache-{Environment.ProcessId}");
        Environment.SetEnvironmentVariable(PreparedCache.EnvironmentVariable, root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
    }
}
