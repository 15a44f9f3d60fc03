namespace Anneal.Training.Runs;

/// <summary>
/// The one-writer lock of a run (or report) directory: its <c>lock</c> file, opened with <see cref="FileShare.None"/>,
/// which .NET on Linux and macOS turns into an advisory <c>flock(LOCK_EX | LOCK_NB)</c> (a share-mode lock on Windows).
/// The operating system releases it when the process ends in any way, SIGKILL and crashes included, so a stale
/// <c>lock</c> file never blocks anyone. Held for as long as this object lives.
/// </summary>
/// <remarks>
/// Re-entrant within a process: acquiring a directory this process already holds (a comparison holding a run it then
/// trains) shares the one lock, released with its last holder. The lock is advisory: only anneal honours it, and the
/// environment variable <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> turns it off.
/// </remarks>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name.</summary>
    public const string FileName = "lock";

    private static readonly Dictionary<string, (FileStream Stream, int Holders)> Held = new(StringComparer.Ordinal);
    private readonly string _key;
    private bool _disposed;

    private RunLock(string key, string path)
    {
        _key = key;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock of <paramref name="directory"/> (created if missing).</summary>
    /// <exception cref="TrainingInputException">Another process holds it.</exception>
    /// <exception cref="IOException">The lock file cannot be created (read-only file system, ...).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to create it.</exception>
    public static RunLock Acquire(string directory) =>
        TryAcquire(directory) ?? throw new TrainingInputException(
            null,
            $"'{directory}' is in use: another process holds its lock ({System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), FileName)}); wait for that process to finish or stop it, or choose another directory");

    /// <summary>Takes the lock of <paramref name="directory"/> (created if missing), or returns null when another process holds it.</summary>
    /// <exception cref="IOException">The lock file cannot be created (read-only file system, ...).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to create it.</exception>
    public static RunLock? TryAcquire(string directory)
    {
        var full = System.IO.Path.GetFullPath(directory);
        var path = System.IO.Path.Combine(full, FileName);
        lock (Held)
        {
            if (Held.TryGetValue(full, out var held))
            {
                Held[full] = (held.Stream, held.Holders + 1);
                return new RunLock(full, path);
            }

            Directory.CreateDirectory(full);
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (IsHeldElsewhere(e))
            {
                return null;
            }

            Held[full] = (stream, 1);
            return new RunLock(full, path);
        }
    }

    /// <summary>True when this process holds the lock of <paramref name="directory"/>.</summary>
    public static bool IsHeld(string directory)
    {
        lock (Held)
        {
            return Held.ContainsKey(System.IO.Path.GetFullPath(directory));
        }
    }

    /// <summary>Releases this hold; the lock goes with the last one.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (Held)
        {
            var (stream, holders) = Held[_key];
            if (holders > 1)
            {
                Held[_key] = (stream, holders - 1);
                return;
            }

            Held.Remove(_key);
            stream.Dispose();
        }
    }

    /// <summary>EWOULDBLOCK from <c>flock</c> (Unix) or a sharing violation (Windows): .NET's "being used by another process".</summary>
    private static bool IsHeldElsewhere(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021) ||
        e.Message.Contains("being used by another process", StringComparison.Ordinal);
}
