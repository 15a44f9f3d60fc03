namespace Anneal.Training;

/// <summary>
/// A fault while a run was writing (disk full, read-only file system, ...): every earlier result is intact, and the run
/// continues from <see cref="CheckpointStep"/> once the cause is fixed.
/// </summary>
public sealed class TrainingFaultException : Exception
{
    /// <summary>Creates the fault.</summary>
    public TrainingFaultException(string path, string cause, string runDirectory, int? checkpointStep, Exception inner)
        : base(Describe(path, cause, runDirectory, checkpointStep), inner)
    {
        Path = path;
        Cause = cause;
        RunDirectory = runDirectory;
        CheckpointStep = checkpointStep;
    }

    /// <summary>The file or directory that could not be written.</summary>
    public string Path { get; }

    /// <summary>What the operating system said (<c>No space left on device</c>).</summary>
    public string Cause { get; }

    /// <summary>The run directory, to resume.</summary>
    public string RunDirectory { get; }

    /// <summary>The step of the intact checkpoint the run resumes from, or null when none was written yet.</summary>
    public int? CheckpointStep { get; }

    private static string Describe(string path, string cause, string runDirectory, int? step) =>
        $"cannot write '{path}': {cause}; " + (step is { } s
            ? $"the checkpoint after {s} steps is intact: fix the cause, then continue with Trainer.Resume(\"{runDirectory}\")"
            : "no checkpoint had been written yet: fix the cause, then start the run again");
}
