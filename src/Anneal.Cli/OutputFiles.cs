namespace Anneal.Cli;

/// <summary>
/// Writes a run's output files all or nothing: each is written to <c>FILE.tmp</c> first, and only once every one is
/// written are they moved over their targets, so a failed run never leaves a half-written or mixed set of files.
/// </summary>
internal sealed class OutputFiles
{
    private readonly List<(string Option, string Path, byte[] Content)> _files = [];

    /// <summary>Queues <paramref name="content"/> for <paramref name="path"/> (given as <paramref name="option"/>).</summary>
    /// <exception cref="UsageException">Another option already names the same file.</exception>
    internal void Add(string option, string path, byte[] content)
    {
        if (_files.FirstOrDefault(f => Path.GetFullPath(f.Path) == Path.GetFullPath(path)) is { Option: { } other })
        {
            throw new UsageException($"{other} and {option} both name '{path}'; give each its own file");
        }

        _files.Add((option, path, content));
    }

    /// <summary>Queues UTF-8 <paramref name="text"/> for <paramref name="path"/>.</summary>
    internal void Add(string option, string path, string text) => Add(option, path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Writes every queued file.</summary>
    /// <exception cref="UsageException">A file cannot be written; none of the targets was touched.</exception>
    internal void Commit()
    {
        var written = new List<string>();
        try
        {
            foreach (var (option, path, content) in _files)
            {
                var temp = path + ".tmp";
                written.Add(temp);
                Attempt(option, path, () => File.WriteAllBytes(temp, content));
            }

            foreach (var (option, path, _) in _files)
            {
                Attempt(option, path, () => File.Move(path + ".tmp", path, overwrite: true));
            }
        }
        finally
        {
            foreach (var temp in written)
            {
                TryDelete(temp);
            }
        }
    }

    private static void Attempt(string option, string path, Action write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new UsageException($"cannot write {option} '{path}': directory '{directory}' does not exist");
        }

        if (Directory.Exists(path))
        {
            throw new UsageException($"cannot write {option} '{path}': it is a directory");
        }

        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write {option} '{path}': {e.Message}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the temporary file is left behind, the target is intact.
        }
    }
}
