using Microsoft.Extensions.FileSystemGlobbing;

namespace Anneal.Training.Data.Prepared;

/// <summary>
/// The text files that <c>--data</c> names: one FILE, every file under a DIR (recursively, hidden files and folders
/// skipped), or a GLOB (<c>*</c>, <c>?</c> and <c>**</c>, Microsoft.Extensions.FileSystemGlobbing) such as
/// <c>books/*.txt</c> or <c>data/**/*.txt</c>. Files come in ordinal order of their paths, so the token stream is the
/// same on every machine.
/// </summary>
public static class TextSources
{
    /// <summary>The files of <paramref name="data"/>, full paths, in stream order.</summary>
    /// <exception cref="TrainingInputException">Nothing matches, or a path does not exist.</exception>
    public static IReadOnlyList<string> Resolve(string data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(data);
        if (File.Exists(data))
        {
            return [Path.GetFullPath(data)];
        }

        if (Directory.Exists(data))
        {
            var root = Path.GetFullPath(data);
            var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System })
                .Where(f => !Hidden(root, f))
                .Order(StringComparer.Ordinal)
                .ToList();
            return files.Count > 0 ? files : throw new TrainingInputException(TrainingOption.DataPath, $": directory '{data}' holds no files");
        }

        if (data.IndexOfAny(['*', '?']) < 0)
        {
            throw new TrainingInputException(TrainingOption.DataPath, $": file '{data}' does not exist");
        }

        // The glob's root is the longest leading part without wildcards.
        var parts = data.Replace('\\', '/').Split('/');
        var fixedParts = parts.TakeWhile(p => p.IndexOfAny(['*', '?']) < 0).ToArray();
        var baseDir = fixedParts.Length == 0 ? "." : string.Join('/', fixedParts);
        if (baseDir.Length == 0)
        {
            baseDir = "/";
        }

        if (!Directory.Exists(baseDir))
        {
            throw new TrainingInputException(TrainingOption.DataPath, $": directory '{baseDir}' of the pattern '{data}' does not exist");
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(string.Join('/', parts.Skip(fixedParts.Length)));
        var matched = matcher.GetResultsInFullPath(baseDir).Where(f => !Hidden(baseDir, f)).Order(StringComparer.Ordinal).ToList();
        return matched.Count > 0 ? matched : throw new TrainingInputException(TrainingOption.DataPath, $": no file matches '{data}'");
    }

    /// <summary>A file or folder below <paramref name="root"/> whose name starts with a dot.</summary>
    private static bool Hidden(string root, string file) =>
        Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.') && part is not ("." or ".."));
}
