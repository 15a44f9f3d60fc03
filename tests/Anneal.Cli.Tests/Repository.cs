namespace Anneal.Cli.Tests;

/// <summary>The repository the tests run from (for committed files such as docs/reports).</summary>
internal static class Repository
{
    /// <summary>The folder holding <c>Anneal.slnx</c>, found upwards from the test binaries.</summary>
    internal static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Anneal.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"no Anneal.slnx above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Copies <paramref name="source"/> and everything below it to <paramref name="target"/>.</summary>
    internal static void CopyDirectory(string source, string target)
    {
        foreach (var folder in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, folder)));
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }
}
