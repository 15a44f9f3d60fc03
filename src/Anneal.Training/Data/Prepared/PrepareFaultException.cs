namespace Anneal.Training.Data.Prepared;

/// <summary>
/// A fault while a corpus was being prepared (disk full, read-only file system, ...): the unfinished shards were removed
/// where possible, and no manifest describes them, so nothing reads the directory as a corpus. Preparing again once the
/// cause is fixed starts over.
/// </summary>
public sealed class PrepareFaultException : Exception
{
    /// <summary>Creates the fault.</summary>
    public PrepareFaultException(string directory, string cause, Exception inner)
        : base($"preparing '{directory}' failed: {cause}; no manifest was written, so it holds no corpus: fix the cause, then prepare again", inner)
    {
        Directory = directory;
        Cause = cause;
    }

    /// <summary>The prepared directory being written.</summary>
    public string Directory { get; }

    /// <summary>What the operating system said.</summary>
    public string Cause { get; }
}
