namespace Anneal.Cli.Inputs;

/// <summary>Reads input files with errors that name the file and what it was for.</summary>
internal static class InputFiles
{
    /// <summary>The text of <paramref name="path"/>, described as <paramref name="what"/> in errors.</summary>
    /// <exception cref="UsageException">The file is missing or cannot be read.</exception>
    internal static string ReadText(string path, string what) => Read(path, what, File.ReadAllText);

    /// <summary>The lines of <paramref name="path"/>, described as <paramref name="what"/> in errors.</summary>
    /// <exception cref="UsageException">The file is missing or cannot be read.</exception>
    internal static string[] ReadLines(string path, string what) => Read(path, what, File.ReadAllLines);

    private static T Read<T>(string path, string what, Func<string, T> read)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"{what} '{path}' is a directory, not a file");
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"{what} '{path}' does not exist");
        }

        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {what} '{path}': {e.Message}");
        }
    }
}
