using Anneal.TorchSharp;
using Anneal.Training.Model;
using Xunit;
using static TorchSharp.torch;

namespace Anneal.Training.Tests;

public sealed class GptTests
{
    private static readonly GptConfig Tiny = new(VocabularySize: 11, Context: 8, Layers: 2, Heads: 2, EmbeddingDim: 16);

    [Fact]
    public void ForwardGivesLogitsPerPositionAndParameterCountMatches()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(0);
        using var model = new Gpt(Tiny);
        using var idx = randint(0, 11, [3, 8], dtype: int64);
        using var logits = model.forward(idx);
        Assert.Equal([3L, 8L, 11L], logits.shape);
        Assert.Equal(Tiny.ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ChangingAFutureTokenDoesNotChangeEarlierLogits()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(1);
        using var model = new Gpt(Tiny);
        model.eval();
        var tokens = new long[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        using var a = model.forward(tensor(tokens, [1, 8]));
        tokens[5] = 0;
        using var b = model.forward(tensor(tokens, [1, 8]));
        Assert.Equal(a[.., ..5].data<float>().ToArray(), b[.., ..5].data<float>().ToArray()); // bit-identical before the change
        Assert.False(a[.., 5].allclose(b[.., 5]), "the changed position must see its own token");
    }

    [Fact]
    public void WeightDecayGroupHoldsOnlyNonEmbeddingMatrices()
    {
        TorchRuntime.EnsureLoaded();
        using var model = new Gpt(Tiny);
        var (decay, noDecay) = model.ParameterGroups();
        Assert.All(decay, p => Assert.Equal(2, p.dim()));
        Assert.Equal(Tiny.Layers * 4, decay.Count); // c_attn, attn.c_proj, c_fc, mlp c_proj
        Assert.Contains(noDecay, p => p.shape.SequenceEqual(new long[] { 11, 16 })); // token embedding (tied head)
        Assert.Contains(noDecay, p => p.shape.SequenceEqual(new long[] { 8, 16 })); // position embedding
        Assert.Equal(model.parameters().Count(), decay.Count + noDecay.Count);
    }

    [Fact]
    public void ImpossibleSizesAreRejectedInOneMessage()
    {
        var e = Assert.Throws<TrainingInputException>(() => new GptConfig(11, 0, 1, 3, 16).Validate());
        Assert.Equal("Context must be >= 1 (was 0); EmbeddingDim must be a multiple of the number of attention heads (16 is not a multiple of 3)", e.Message);
        Assert.Equal([TrainingOption.Context, TrainingOption.EmbeddingDim], e.Problems.Select(p => p.Option!.Value)); // the options as data, for a command line to name
    }
}
