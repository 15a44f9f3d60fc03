using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;

namespace Anneal.Training;

/// <summary>
/// A checkpoint: one file, <c>checkpoint.bin</c>, in the run directory. It holds a JSON header (format, next step,
/// options, schedule spec, scheduler state, tokenizer vocabulary, best validation loss), then the model's tensors
/// (<c>Module.save</c>), then the optimizer's state (<c>save_state_dict</c>: per-group options and per-parameter buffers
/// such as Adam's moments and step counts). The data position needs no field: batches are a pure function of
/// (seed, step), so the next step is the position.
/// </summary>
/// <remarks>
/// Written atomically: to <c>checkpoint.bin.tmp</c> in the same directory, flushed to disk (<c>fsync</c>), then renamed
/// over <c>checkpoint.bin</c> (<c>rename(2)</c> replaces atomically), so a crash or SIGKILL at any moment leaves either the
/// previous checkpoint or the new one, never a torn file.
/// </remarks>
internal static class Checkpoint
{
    public const string FileName = "checkpoint.bin";
    private const string Magic = "ANNEAL-CHECKPOINT/1";

    public static void Save(string directory, JsonObject header, torch.nn.Module model, OptimizerHelper optimizer)
    {
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(header.ToJsonString());
                model.save(writer);
                optimizer.save_state_dict(writer);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static JsonObject ReadHeader(string directory)
    {
        using var stream = File.OpenRead(Path.Combine(directory, FileName));
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return ReadHeader(reader);
    }

    public static void LoadWeights(string directory, torch.nn.Module model, OptimizerHelper optimizer)
    {
        using var stream = File.OpenRead(Path.Combine(directory, FileName));
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        ReadHeader(reader);
        model.load(reader);
        optimizer.load_state_dict(reader);
    }

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, FileName));

    /// <summary>
    /// Writes a checkpoint into <paramref name="targetDirectory"/> holding the model and optimizer state of the one in
    /// <paramref name="sourceDirectory"/> under a new header (atomically, as <see cref="Save"/>): the start of a branched run.
    /// </summary>
    public static void CopyWithHeader(string sourceDirectory, string targetDirectory, JsonObject header)
    {
        var path = Path.Combine(targetDirectory, FileName);
        var temp = path + ".tmp";
        using (var source = File.OpenRead(Path.Combine(sourceDirectory, FileName)))
        using (var reader = new BinaryReader(source, Encoding.UTF8, leaveOpen: true))
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            ReadHeader(reader);
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(header.ToJsonString());
            }

            source.CopyTo(stream); // the tensors, byte for byte
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static JsonObject ReadHeader(BinaryReader reader)
    {
        string magic;
        try
        {
            magic = reader.ReadString();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            magic = "";
        }

        if (magic != Magic)
        {
            throw new Data.TrainingInputException("--resume: checkpoint.bin is not an Anneal checkpoint");
        }

        return JsonNode.Parse(reader.ReadString()) as JsonObject ?? throw new JsonException("checkpoint header is not an object");
    }
}
