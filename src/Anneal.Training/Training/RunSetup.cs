using Anneal.Training.Data;
using Anneal.Training.Model;
using Anneal.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Anneal.Training;

/// <summary>
/// The data, device and model of a run, built from <see cref="TrainingOptions"/> one way for <see cref="Trainer"/> and
/// the experiments (<see cref="Experiments.LrFinder"/>): the same options give the same tokens and the same initial weights.
/// Data loading stays behind <see cref="LoadData"/>, so another source of batches (prepared token shards) changes one place.
/// </summary>
internal static class RunSetup
{
    /// <summary>
    /// The built-in corpus (whose entropy rate becomes <see cref="TextData.EntropyFloorNatsPerToken"/> under the char
    /// tokenizer) or the <c>--data</c> file, tokenized and split 90/10; <paramref name="charVocabulary"/> restores a saved
    /// char tokenizer.
    /// </summary>
    /// <exception cref="TrainingInputException">The file is missing, empty or not UTF-8, or the text is too short.</exception>
    internal static TextData LoadData(TrainingOptions options, string? charVocabulary = null)
    {
        string text, source;
        double? floor = null;
        if (options.DataPath is null)
        {
            var corpus = SyntheticCorpus.Create(options.CorpusSeed);
            text = corpus.Generate(options.CorpusCharacters);
            floor = corpus.EntropyNatsPerChar;
            source = $"built-in synthetic corpus (seed {options.CorpusSeed}, {options.CorpusCharacters} characters)";
        }
        else
        {
            text = TextData.ReadText(options.DataPath);
            source = Path.GetFullPath(options.DataPath);
        }

        return TextData.Create(source, text, options.Tokenizer, options.Context, floor, charVocabulary);
    }

    /// <summary>The torch device of <c>--device</c>.</summary>
    /// <exception cref="TrainingInputException">Unknown or unavailable device.</exception>
    internal static Device ResolveDevice(TrainingOptions options)
    {
        try
        {
            return TorchRuntime.ResolveDevice(options.Device);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new TrainingInputException(TrainingOption.Device, $": {e.Message}");
        }
    }

    /// <summary>The model's sizes: the options' and the tokenizer's vocabulary.</summary>
    /// <exception cref="TrainingInputException">Impossible sizes.</exception>
    internal static GptConfig ModelConfig(TrainingOptions options, TextData data)
    {
        var config = new GptConfig(data.Tokenizer.VocabularySize, options.Context, options.Layers, options.Heads, options.EmbeddingDim, options.Dropout);
        config.Validate();
        return config;
    }

    /// <summary>A new model initialised from <c>manual_seed(options.Seed)</c>, on <paramref name="device"/>.</summary>
    internal static Gpt CreateModel(TrainingOptions options, GptConfig config, Device device)
    {
        manual_seed(options.Seed);
        var model = new Gpt(config);
        model.to(device);
        return model;
    }
}
