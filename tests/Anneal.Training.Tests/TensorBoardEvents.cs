using System.Buffers.Binary;

namespace Anneal.Training.Tests;

/// <summary>Reads TensorBoard event files (TFRecord frames of <c>Event</c> protobufs, TorchSharp's own message types).</summary>
internal static class TensorBoardEvents
{
    /// <summary>The steps recorded for <paramref name="tag"/> in every event file of <paramref name="folder"/>, in file then record order.</summary>
    internal static List<long> Steps(string folder, string tag)
    {
        var steps = new List<long>();
        foreach (var file in Directory.GetFiles(folder, "events.out.tfevents*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            for (var at = 0; at + 12 <= bytes.Length;)
            {
                var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
                var e = Tensorboard.Event.Parser.ParseFrom(bytes, at + 12, length);
                if (e.Summary is { } summary && summary.Value.Any(v => v.Tag == tag))
                {
                    steps.Add(e.Step);
                }

                at += 12 + length + 4;
            }
        }

        return steps;
    }
}
