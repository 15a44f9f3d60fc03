using Anneal.Training.Data;
using Anneal.Training.Data.Prepared;
using Anneal.Training.Model;
using Anneal.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Anneal.Training;

/// <summary>
/// The data, device and model of a run, built from <see cref="TrainingOptions"/> one way for <see cref="Trainer"/> and
/// the experiments (<see cref="Experiments.LrFinder"/>): the same options give the same tokens and the same initial weights.
/// Data loading stays behind <see cref="LoadData"/>: built-in text in memory, prepared token shards memory-mapped.
/// </summary>
internal static class RunSetup
{
    /// <summary>
    /// The built-in corpus (whose entropy rate becomes <see cref="TextData.EntropyFloorNatsPerToken"/> under the char
    /// tokenizer), a prepared directory (<see cref="CorpusPreparer"/>; memory-mapped), or text (a file, folder or glob)
    /// prepared once into <see cref="PreparedCache"/> and memory-mapped from there. <paramref name="charVocabulary"/> and
    /// <paramref name="manifestCrc64"/> are those of the checkpoint a run continues from: its data must be the data it
    /// was written on.
    /// </summary>
    /// <exception cref="TrainingInputException">
    /// Missing, empty or invalid text, a damaged prepared corpus, a tokenizer that does not match a prepared corpus, or text
    /// too short; data that changed since the checkpoint was written (about no option: the caller names the run).
    /// </exception>
    /// <exception cref="PrepareFaultException">Text could not be prepared into the cache.</exception>
    internal static TextData LoadData(TrainingOptions options, string? charVocabulary = null, string? manifestCrc64 = null)
    {
        if (options.DataPath is null)
        {
            var corpus = SyntheticCorpus.Create(options.CorpusSeed);
            var text = corpus.Generate(options.CorpusCharacters);
            var source = $"built-in synthetic corpus (seed {options.CorpusSeed}, {options.CorpusCharacters} characters)";
            return TextData.Create(source, text, options.Tokenizer, options.Context, corpus.EntropyNatsPerChar, charVocabulary);
        }

        var path = options.DataPath;
        var isPrepared = Directory.Exists(path) && PreparedManifest.ExistsIn(path);
        PreparedCorpus prepared;
        try
        {
            prepared = isPrepared ? PreparedCorpus.Open(path) : PreparedCache.Open(TextSources.Resolve(path), options.Tokenizer).Corpus;
        }
        catch (TrainingInputException e)
        {
            throw e.About(TrainingOption.DataPath);
        }

        try
        {
            var m = prepared.Manifest;
            if (m.Tokenizer != options.Tokenizer)
            {
                throw new TrainingInputException(
                    TrainingOption.Tokenizer,
                    $"{options.Tokenizer.Name()} does not match the prepared corpus '{path}', tokenized with {m.Tokenizer.Name()}: use {m.Tokenizer.Name()}, or prepare it again with {options.Tokenizer.Name()}");
            }

            var crcChanged = manifestCrc64 is not null && manifestCrc64 != prepared.ManifestCrc64;
            if (crcChanged || (charVocabulary is not null && charVocabulary != m.CharVocabulary))
            {
                var what = crcChanged
                    ? $"its prepared manifest's CRC-64 was {manifestCrc64}, now {prepared.ManifestCrc64}"
                    : "its characters are not the char vocabulary the run was written with";
                throw new TrainingInputException(
                    null,
                    $"the data '{path}' changed since the run's checkpoint was written ({what}): other tokens would not continue the same run; " +
                    "restore the data the run was trained on, or start a new run on the new data");
            }

            return TextData.FromPrepared(prepared, isPrepared ? prepared.Describe() : Path.GetFullPath(path), options.Context);
        }
        catch
        {
            prepared.Dispose();
            throw;
        }
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
