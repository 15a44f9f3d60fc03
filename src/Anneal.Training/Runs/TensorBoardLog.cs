using TorchSharp.Modules;
using static TorchSharp.torch.utils;

namespace Anneal.Training.Runs;

/// <summary>
/// The run's TensorBoard log (TorchSharp's <see cref="SummaryWriter"/>; tags <c>loss/train</c>, <c>loss/validation</c>,
/// <c>lr/groupN</c>, <c>throughput/tokens_per_s</c>), each step written once. TorchSharp's writer starts a new event
/// file per session, so a resumed run would show the steps a killed session wrote after its last checkpoint twice:
/// instead, each session first rewrites the whole history before its first step (from <c>metrics.csv</c>) into one
/// fresh event file, replacing the old files, then writes its own steps into another.
/// </summary>
internal sealed class TensorBoardLog
{
    private readonly SummaryWriter _writer;

    private TensorBoardLog(SummaryWriter writer) => _writer = writer;

    /// <summary>The log of <paramref name="runDirectory"/>, holding exactly <paramref name="history"/> so far.</summary>
    public static TensorBoardLog Open(string runDirectory, RunHistory history)
    {
        var folder = Path.Combine(runDirectory, RunDirectory.TensorBoardFolder);
        if (history.Rows.Count > 0 || Directory.Exists(folder))
        {
            var fresh = folder + ".tmp";
            if (Directory.Exists(fresh))
            {
                Directory.Delete(fresh, recursive: true);
            }

            var rewrite = new TensorBoardLog(tensorboard.SummaryWriter(fresh));
            foreach (var row in history.Rows)
            {
                rewrite.Write(row);
            }

            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.Move(fresh, folder);
        }

        return new TensorBoardLog(tensorboard.SummaryWriter(folder));
    }

    public void Write(MetricRow row)
    {
        _writer.add_scalar("loss/train", (float)row.TrainLoss, row.Step);
        for (var g = 0; g < row.LearningRates.Count; g++)
        {
            _writer.add_scalar($"lr/group{g}", (float)row.LearningRates[g], row.Step);
        }

        _writer.add_scalar("throughput/tokens_per_s", (float)row.TokensPerSecond, row.Step);
        if (row.ValidationLoss is { } v)
        {
            _writer.add_scalar("loss/validation", (float)v, row.Step);
        }
    }
}
