using Anneal.Training.Runs;

namespace Anneal.Training.Tests;

/// <summary>The tiny run the training tests share (1 layer, width 32, 8 x 32 tokens a step: a step takes milliseconds).</summary>
internal static class TinyRun
{
    internal static TrainingOptions Options => new()
    {
        Steps = 40,
        BatchSize = 8,
        Context = 32,
        Layers = 1,
        Heads = 2,
        EmbeddingDim = 32,
        EvalEvery = 10,
        EvalBatches = 2,
        CheckpointEvery = 20,
        CorpusCharacters = 50_000,
        LearningRate = 1e-2,
    };

    /// <summary>The schedule of <paramref name="spec"/> (a JSON spec or a preset) for <paramref name="options"/>.</summary>
    internal static RunSchedule Schedule(string spec, TrainingOptions options) =>
        SchedulePresets.Resolve(spec, options.Steps, options.LearningRate, options.Optimizer);

    /// <summary>Every file of a run directory (recursively) with its bytes, to show that something left it untouched.</summary>
    internal static Dictionary<string, byte[]> Snapshot(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != RunLock.FileName)
            .ToDictionary(f => Path.GetRelativePath(directory, f), File.ReadAllBytes);
}

/// <summary>Records what a run reports, and cancels it after a given step.</summary>
internal sealed class Recorder(int? cancelAfterStep = null) : ITrainingProgress
{
    public CancellationTokenSource Source { get; } = new();

    public List<TrainingWarning> Warnings { get; } = [];

    public List<int> Checkpoints { get; } = [];

    public RunInfo? Info { get; private set; }

    public void Started(RunInfo info) => Info = info;

    public void Stepped(StepReport report)
    {
        if (report.Step == cancelAfterStep)
        {
            Source.Cancel();
        }
    }

    public void Evaluated(int step, double validationLoss)
    {
    }

    public void CheckpointSaved(int step, string path) => Checkpoints.Add(step);

    public void Warned(TrainingWarning warning) => Warnings.Add(warning);
}
