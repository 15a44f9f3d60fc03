using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Anneal.Training.Model;

/// <summary>
/// A decoder-only transformer in the shape of GPT-2 (and nanoGPT's <c>model.py</c>): token and position embeddings,
/// pre-norm blocks (LayerNorm → causal self-attention → residual, LayerNorm → GELU MLP → residual), a final LayerNorm,
/// and an output head tied to the token embedding. <see cref="Module{T, TResult}.forward"/> maps token ids
/// (batch × time, int64) to logits (batch × time × vocabulary).
/// </summary>
/// <remarks>
/// Initialisation as GPT-2: weights N(0, 0.02), biases 0, and the residual projections N(0, 0.02 / √(2 × layers)).
/// Attention is <c>scaled_dot_product_attention(q, k, v, is_causal: true)</c>: position t attends to positions ≤ t only.
/// </remarks>
public sealed class Gpt : Module<Tensor, Tensor>
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly Dropout drop;
    private readonly ModuleList<Block> h;
    private readonly LayerNorm ln_f;

    /// <summary>Creates a model with freshly initialised weights (from torch's global generator: call <c>manual_seed</c> first).</summary>
    public Gpt(GptConfig config) : base("gpt")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        wte = Embedding(config.VocabularySize, config.EmbeddingDim);
        wpe = Embedding(config.Context, config.EmbeddingDim);
        drop = Dropout(config.Dropout);
        h = new ModuleList<Block>([.. Enumerable.Range(0, config.Layers).Select(_ => new Block(config))]);
        ln_f = LayerNorm(config.EmbeddingDim);
        RegisterComponents();

        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("c_proj.weight", StringComparison.Ordinal))
            {
                init.normal_(p, 0, 0.02 / Math.Sqrt(2.0 * config.Layers));
            }
            else if (name.StartsWith("ln", StringComparison.Ordinal) || name.Contains(".ln_", StringComparison.Ordinal))
            {
                // LayerNorm: weight 1, bias 0 (the defaults).
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                init.zeros_(p);
            }
            else
            {
                init.normal_(p, 0, 0.02);
            }
        }
    }

    /// <summary>The model's sizes.</summary>
    public GptConfig Config { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor idx)
    {
        var t = idx.shape[1];
        if (t > Config.Context)
        {
            throw new ArgumentException($"sequence length {t} is longer than the context {Config.Context}", nameof(idx));
        }

        using var pos = arange(t, dtype: int64, device: idx.device);
        var x = drop.forward(wte.forward(idx) + wpe.forward(pos));
        foreach (var block in h)
        {
            x = block.forward(x);
        }

        x = ln_f.forward(x);
        return functional.linear(x, wte.weight!); // tied head: logits = x · Wteᵀ
    }

    /// <summary>
    /// The two parameter groups for weight decay: weight matrices (2 or more dimensions, embeddings excluded) decay;
    /// LayerNorm weights, biases and the embeddings (including the tied output head) do not.
    /// </summary>
    public (IReadOnlyList<Parameter> Decay, IReadOnlyList<Parameter> NoDecay) ParameterGroups()
    {
        List<Parameter> decay = [], noDecay = [];
        foreach (var (name, p) in named_parameters())
        {
            var embedding = name.StartsWith("wte.", StringComparison.Ordinal) || name.StartsWith("wpe.", StringComparison.Ordinal);
            (p.dim() >= 2 && !embedding ? decay : noDecay).Add(p);
        }

        return (decay, noDecay);
    }

    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly LayerNorm ln_1;
        private readonly CausalSelfAttention attn;
        private readonly LayerNorm ln_2;
        private readonly Linear c_fc;
        private readonly Linear c_proj;
        private readonly Dropout drop;

        public Block(GptConfig config) : base("block")
        {
            ln_1 = LayerNorm(config.EmbeddingDim);
            attn = new CausalSelfAttention(config);
            ln_2 = LayerNorm(config.EmbeddingDim);
            c_fc = Linear(config.EmbeddingDim, 4 * config.EmbeddingDim);
            c_proj = Linear(4 * config.EmbeddingDim, config.EmbeddingDim);
            drop = Dropout(config.Dropout);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            x = x + attn.forward(ln_1.forward(x));
            return x + drop.forward(c_proj.forward(functional.gelu(c_fc.forward(ln_2.forward(x)))));
        }
    }

    private sealed class CausalSelfAttention : Module<Tensor, Tensor>
    {
        private readonly Linear c_attn;
        private readonly Linear c_proj;
        private readonly Dropout drop;
        private readonly int _heads;
        private readonly double _dropout;

        public CausalSelfAttention(GptConfig config) : base("attn")
        {
            c_attn = Linear(config.EmbeddingDim, 3 * config.EmbeddingDim);
            c_proj = Linear(config.EmbeddingDim, config.EmbeddingDim);
            drop = Dropout(config.Dropout);
            _heads = config.Heads;
            _dropout = config.Dropout;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], c = x.shape[2];
            var qkv = c_attn.forward(x).view(b, t, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4); // 3, B, H, T, hd
            var y = functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], p: training ? _dropout : 0, is_casual: true);
            y = y.transpose(1, 2).contiguous().view(b, t, c);
            return drop.forward(c_proj.forward(y));
        }
    }
}
