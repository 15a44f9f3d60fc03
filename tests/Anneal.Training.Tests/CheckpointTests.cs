using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anneal.Training.Runs;
using Xunit;

namespace Anneal.Training.Tests;

/// <summary>Checkpoints are checked (CRC-64), the previous one is the fallback, and anneal.train/1 directories still resume.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anneal-checkpoint-");

    public void Dispose() => _dir.Delete(true);

    private static TrainingOptions Options => TinyRun.Options with { Steps = 20, CheckpointEvery = 10, EvalEvery = 10 };

    private string Dir(string name) => Path.Combine(_dir.FullName, name);

    /// <summary>A run cancelled after 15 steps: checkpoint.bin after 15 steps, checkpoint.prev.bin after 10.</summary>
    private string Interrupted(string name)
    {
        var cancel = new Recorder(cancelAfterStep: 14);
        var dir = Dir(name);
        Trainer.Run(Options, null, dir, progress: cancel, cancellation: cancel.Source.Token);
        return dir;
    }

    [Fact]
    public void ACorruptLatestCheckpointFallsBackToThePreviousOneAndSaysSo()
    {
        var full = Trainer.Run(Options, null, Dir("full"));
        var dir = Interrupted("corrupt");
        var latest = Path.Combine(dir, RunDirectory.CheckpointFileName);
        var bytes = File.ReadAllBytes(latest);
        bytes[bytes.Length / 2] ^= 0x5A; // one flipped byte in the tensors
        File.WriteAllBytes(latest, bytes);

        var (checkpoint, problem) = RunDirectory.Check(latest);
        Assert.Null(checkpoint);
        Assert.Matches("^is corrupt: its CRC-64 is [0-9a-f]{16}, not the [0-9a-f]{16} it was written with$", problem);

        var recorder = new Recorder();
        var resumed = Trainer.Resume(dir, progress: recorder);
        var warning = Assert.Single(recorder.Warnings);
        Assert.Equal(TrainingOption.ResumeDirectory, warning.Option);
        Assert.StartsWith($": '{latest}' is corrupt: its CRC-64 is ", warning.Text, StringComparison.Ordinal);
        Assert.EndsWith($"; using '{Path.Combine(dir, RunDirectory.PreviousCheckpointFileName)}' (after 10 steps) instead", warning.Text, StringComparison.Ordinal);
        Assert.Equal(10, resumed.StartStep);
        Assert.Equal(full.TrainLosses, resumed.TrainLosses); // from step 10, bit for bit
        Assert.Equal(full.FinalValidationLoss, resumed.FinalValidationLoss);
    }

    [Fact]
    public void TruncatedOrForeignCheckpointsAreRefusedWithTheFileAndWhatIsWrong()
    {
        var dir = Interrupted("truncated");
        var latest = Path.Combine(dir, RunDirectory.CheckpointFileName);
        var previous = Path.Combine(dir, RunDirectory.PreviousCheckpointFileName);
        var length = new FileInfo(latest).Length;
        using (var stream = File.OpenWrite(latest))
        {
            stream.SetLength(length / 3);
        }

        Assert.Equal($"is truncated: {length / 3:N0} bytes of the {length:N0} it was written with", RunDirectory.Check(latest).Problem);
        File.WriteAllText(previous, "not a checkpoint");
        Assert.Equal("is not an anneal checkpoint (no ANNEAL-CHECKPOINT/2 tag at its start)", RunDirectory.Check(previous).Problem);

        var e = Assert.Throws<TrainingInputException>(() => Trainer.Resume(dir));
        Assert.Equal(TrainingOption.ResumeDirectory, e.Option);
        Assert.Equal(
            $"ResumeDirectory: '{latest}' is truncated: {length / 3:N0} bytes of the {length:N0} it was written with; and '{previous}' is not an anneal checkpoint (no ANNEAL-CHECKPOINT/2 tag at its start): " +
            $"'{dir}' has no checkpoint left to continue from; start the run again, or start a new run from a copy of an earlier checkpoint",
            e.Message);
    }

    [Fact]
    public void ACheckpointTakenWhileTheLossClimbsDoesNotEvictTheLastHealthyOne()
    {
        var dir = Interrupted("rotation");
        var run = new RunDirectory(dir);
        var healthy = run.ReadCheckpoint(null, out _).Header; // after 15 steps
        var payload = File.ReadAllBytes(run.FilePath(RunDirectory.CheckpointFileName));

        // An unhealthy checkpoint replaces checkpoint.bin and moves the healthy one to checkpoint.prev.bin; the next one
        // (taken while the latest is unhealthy) drops the unhealthy one and keeps checkpoint.prev.bin.
        run.SaveCheckpoint(healthy with { Step = 16, Healthy = false }, w => w.Write(payload), keepReplacedAsPrevious: true);
        run.SaveCheckpoint(healthy with { Step = 17, Healthy = false }, w => w.Write(payload), keepReplacedAsPrevious: false);
        Assert.Equal(17, run.ReadCheckpoint(null, out _).Header.Step);
        Assert.Equal(15, RunDirectory.Check(run.FilePath(RunDirectory.PreviousCheckpointFileName)).Checkpoint!.Header.Step);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void TensorsAreLoadedOnlyFromTheCheckpointThatWasChecked()
    {
        var dir = Interrupted("replaced");
        var run = new RunDirectory(dir);
        var checkedOne = run.ReadCheckpoint(null, out _); // after 15 steps
        var payload = File.ReadAllBytes(run.FilePath(RunDirectory.CheckpointFileName))[(int)checkedOne.PayloadOffset..];
        var read = new byte[16];
        CheckpointFile.LoadPayload(checkedOne, r => r.BaseStream.ReadExactly(read));
        Assert.Equal(payload[..16], read);

        // The run goes on and renames its next checkpoint over checkpoint.bin (same header length, other tensors).
        run.SaveCheckpoint(checkedOne.Header with { Step = 16 }, w => w.Write(payload.Select(b => (byte)~b).ToArray()), keepReplacedAsPrevious: true);
        var e = Assert.Throws<TrainingInputException>(() => CheckpointFile.LoadPayload(checkedOne, _ => Assert.Fail("loaded the newer checkpoint's tensors")));
        Assert.Equal(
            $"'{checkedOne.Path}' was replaced by a newer checkpoint while it was being read (its run is still training); start again, or start from a kept checkpoint (RUN@STEP)",
            e.Message);
        Assert.Null(e.Option);
    }

    [Fact]
    public void ADirectoryOfTheFirstFormatResumesAndIsRewrittenInTheCurrentOne()
    {
        var full = Trainer.Run(Options, null, Dir("full"));
        var dir = Interrupted("legacy");
        ToLegacy(dir);
        Assert.True(new RunDirectory(dir).IsLegacy);
        Assert.Equal(Options, new RunDirectory(dir).ReadManifest().Options);

        var recorder = new Recorder();
        var resumed = Trainer.Resume(dir, progress: recorder);
        Assert.Contains("written in the anneal.train/1 format, which has no checksum: it loads unverified", Assert.Single(recorder.Warnings).Text, StringComparison.Ordinal);
        Assert.Equal(15, resumed.StartStep);
        Assert.Equal(full.TrainLosses, resumed.TrainLosses);
        Assert.Equal(full.FinalValidationLoss, resumed.FinalValidationLoss);
        Assert.Equal(RunManifest.CurrentFormat, new RunDirectory(dir).ReadManifest().Format);
        Assert.True(new RunDirectory(dir).ReadCheckpoint(null, out _).Verified);
    }

    [Fact]
    public void FilesWrittenBeforePreparedDataReadWithoutItsFields()
    {
        // anneal.run/2 and anneal.checkpoint/2 as issue 7 first wrote them: no prepared_data, no data_manifest_crc64.
        var dir = Interrupted("before");
        var run = new RunDirectory(dir);
        var manifest = JsonNode.Parse(File.ReadAllText(run.FilePath(RunDirectory.ManifestFile)))!.AsObject();
        Assert.True(manifest.Remove("prepared_data"));
        File.WriteAllText(run.FilePath(RunDirectory.ManifestFile), manifest.ToJsonString());
        Assert.Null(run.ReadManifest().PreparedData);
        Assert.Equal(Options, run.ReadManifest().Options);

        var header = JsonNode.Parse(RunJson.Serialize(run.ReadCheckpoint(null, out _).Header))!.AsObject();
        Assert.True(header.Remove("data_manifest_crc64"));
        var read = RunJson.Deserialize<CheckpointHeader>(header.ToJsonString(), "test");
        Assert.Null(read.DataManifestCrc64);
        Assert.Equal(15, read.Step);
        Assert.Equal(TrainingStatus.Completed, Trainer.Resume(dir).Status);
    }

    /// <summary>Rewrites a run directory as the first format wrote it: PascalCase options, JSON in strings, no checksum.</summary>
    private static void ToLegacy(string dir)
    {
        var run = new RunDirectory(dir);
        var checkpoint = run.ReadCheckpoint(null, out _);
        var h = checkpoint.Header;
        var bytes = File.ReadAllBytes(checkpoint.Path);
        var tensors = bytes[(int)checkpoint.PayloadOffset..^8];
        var options = JsonSerializer.SerializeToNode(h.Options, new JsonSerializerOptions())!.AsObject();
        options["Optimizer"] = h.Options.Optimizer.Name();
        options["Tokenizer"] = h.Options.Tokenizer.Name();
        options["Schedule"] = h.Schedule;
        var header = new JsonObject
        {
            ["format"] = "anneal.train/1",
            ["next_step"] = h.Step,
            ["tokens"] = h.Tokens,
            ["options"] = options,
            ["schedule"] = h.Schedule,
            ["scheduler"] = h.SchedulerState,
            ["char_vocabulary"] = h.CharVocabulary,
            ["best_val_loss"] = h.BestValLoss,
            ["best_step"] = h.BestStep,
            ["last_val_loss"] = h.LastValLoss,
        };
        using (var writer = new BinaryWriter(File.Create(checkpoint.Path), Encoding.UTF8))
        {
            writer.Write("ANNEAL-CHECKPOINT/1");
            writer.Write(header.ToJsonString());
            writer.Write(tensors);
        }

        var m = run.ReadManifest();
        File.WriteAllText(run.FilePath(RunDirectory.ManifestFile), new JsonObject
        {
            ["format"] = "anneal.train/1",
            ["options"] = options.DeepClone(),
            ["schedule"] = JsonNode.Parse(m.Schedule),
            ["scheduler_steps"] = m.SchedulerSteps,
            ["model"] = JsonSerializer.SerializeToNode(m.Model),
            ["parameters"] = m.Parameters,
            ["data"] = m.Data.Source,
            ["tokenizer"] = "char",
            ["vocabulary_size"] = m.Data.VocabularySize,
            ["train_tokens"] = m.Data.TrainTokens,
            ["validation_tokens"] = m.Data.ValidationTokens,
            ["tokens_per_step"] = m.TokensPerStep,
            ["entropy_floor_nats_per_token"] = m.Data.EntropyFloorNatsPerToken,
            ["unigram_nats_per_token"] = m.Data.UnigramNatsPerToken,
            ["device"] = "cpu",
            ["resumed_at_step"] = 0,
        }.ToJsonString());
        File.Delete(run.FilePath(RunDirectory.PreviousCheckpointFileName));
    }
}
