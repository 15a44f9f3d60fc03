using System.CommandLine;
using Anneal.Training;
using Anneal.Training.Data.Prepared;

namespace Anneal.Cli.Commands;

/// <summary>
/// The options that define a training run's model, data and optimizer, shared by <c>train</c>, <c>find-lr</c> and
/// <c>compare</c>: one declaration, one mapping into <see cref="TrainingOptions"/>.
/// </summary>
internal sealed class ModelOptions
{
    internal ModelOptions(TrainingOptions d)
    {
        Optimizer = new Option<string>("--optimizer") { HelpName = "sgd|adam|adamw|rmsprop|adagrad", Description = $"The TorchSharp optimizer [default: {d.Optimizer.Name()}]." };
        Seed = TrainCommand.Int("--seed", "N", $"Seed of initialisation and batch sampling [default: {d.Seed}].");
        Data = new Option<string>("--data") { HelpName = "FILE|DIR|GLOB", Description = "A prepared directory (anneal prepare), or UTF-8 text (a file, folder or glob, tokenized once into the cache) to train on (90% train, 10% validation) [default: the built-in synthetic corpus]." };
        Tokenizer = new Option<string>("--tokenizer") { HelpName = "char|gpt2", Description = $"Characters, or GPT-2 byte-pair encoding [default: {d.Tokenizer.Name()}, or the prepared directory's]." };
        Batch = TrainCommand.Int("--batch-size", "N", $"Sequences per micro-batch [default: {d.BatchSize}].");
        Accumulation = TrainCommand.Int("--grad-accum", "N", $"Micro-batches per optimizer step [default: {d.GradientAccumulation}].");
        Context = TrainCommand.Int("--context", "T", $"Tokens per sequence [default: {d.Context}].");
        Layers = TrainCommand.Int("--layers", "N", $"Transformer blocks [default: {d.Layers}].");
        Heads = TrainCommand.Int("--heads", "N", $"Attention heads [default: {d.Heads}].");
        Dim = TrainCommand.Int("--dim", "N", $"Embedding width [default: {d.EmbeddingDim}].");
        Dropout = TrainCommand.Double("--dropout", "P", $"Dropout probability [default: {TrainCommand.Show(d.Dropout)}].");
        WeightDecay = TrainCommand.Double("--weight-decay", "W", $"Weight decay of the weight matrices [default: {TrainCommand.Show(d.WeightDecay)}].");
        Clip = TrainCommand.Double("--grad-clip", "NORM", $"Clip the gradient norm, 0 for none [default: {TrainCommand.Show(d.GradientClip)}].");
        Device = new Option<string>("--device") { HelpName = "cpu|cuda", Description = $"Where to train [default: {d.Device}]." };
    }

    internal Option<string> Optimizer { get; }

    internal Option<int?> Seed { get; }

    internal Option<string> Data { get; }

    internal Option<string> Tokenizer { get; }

    internal Option<int?> Batch { get; }

    internal Option<int?> Accumulation { get; }

    internal Option<int?> Context { get; }

    internal Option<int?> Layers { get; }

    internal Option<int?> Heads { get; }

    internal Option<int?> Dim { get; }

    internal Option<double?> Dropout { get; }

    internal Option<double?> WeightDecay { get; }

    internal Option<double?> Clip { get; }

    internal Option<string> Device { get; }

    /// <summary>Every option but <c>--device</c> (which a resumed run may change).</summary>
    internal Option[] RunDefining => [Optimizer, Seed, Data, Tokenizer, Batch, Accumulation, Context, Layers, Heads, Dim, Dropout, WeightDecay, Clip];

    /// <summary>Every option, <c>--device</c> last.</summary>
    internal Option[] All => [.. RunDefining, Device];

    /// <summary>
    /// The tokenizer of a prepared directory given as <c>--data</c> (the default when <c>--tokenizer</c> is not given);
    /// null for text, or for a manifest that cannot be read (loading the data then reports what is wrong with it).
    /// </summary>
    private static TokenizerKind? PreparedTokenizer(string? data)
    {
        if (data is null || !Directory.Exists(data) || !PreparedManifest.ExistsIn(data))
        {
            return null;
        }

        try
        {
            return PreparedManifest.Read(data).Manifest.Tokenizer;
        }
        catch (TrainingInputException)
        {
            return null;
        }
    }

    /// <summary><paramref name="d"/> with every option given on the command line applied.</summary>
    internal TrainingOptions Apply(ParseResult parse, TrainingOptions d) => d with
    {
        Optimizer = parse.GetValue(Optimizer) is { } optimizer ? Parse(OptimizerKinds.Parse, optimizer) : d.Optimizer,
        Seed = parse.GetValue(Seed) ?? d.Seed,
        DataPath = parse.GetValue(Data) ?? d.DataPath,
        Tokenizer = parse.GetValue(Tokenizer) is { } tokenizer ? Parse(TokenizerKinds.Parse, tokenizer) : PreparedTokenizer(parse.GetValue(Data)) ?? d.Tokenizer,
        BatchSize = parse.GetValue(Batch) ?? d.BatchSize,
        GradientAccumulation = parse.GetValue(Accumulation) ?? d.GradientAccumulation,
        Context = parse.GetValue(Context) ?? d.Context,
        Layers = parse.GetValue(Layers) ?? d.Layers,
        Heads = parse.GetValue(Heads) ?? d.Heads,
        EmbeddingDim = parse.GetValue(Dim) ?? d.EmbeddingDim,
        Dropout = parse.GetValue(Dropout) ?? d.Dropout,
        WeightDecay = parse.GetValue(WeightDecay) ?? d.WeightDecay,
        GradientClip = parse.GetValue(Clip) ?? d.GradientClip,
        Device = parse.GetValue(Device) ?? d.Device,
    };

    /// <summary>An enum option's value; a bad name is a usage error naming the option's flag.</summary>
    private static T Parse<T>(Func<string, T> parse, string value)
    {
        try
        {
            return parse(value);
        }
        catch (TrainingInputException e)
        {
            throw new UsageException(e.Problems[0].Render(o => o == TrainingOption.Optimizer ? "--optimizer" : "--tokenizer"));
        }
    }
}
