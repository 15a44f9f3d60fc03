
namespace Anneal.Training.Model;

/// <summary>The sizes of a <see cref="Gpt"/>.</summary>
/// <param name="VocabularySize">Number of token ids.</param>
/// <param name="Context">Longest sequence (positions) the model sees.</param>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Heads">Attention heads per block; must divide <paramref name="EmbeddingDim"/>.</param>
/// <param name="EmbeddingDim">Width of the residual stream.</param>
/// <param name="Dropout">Dropout probability on attention weights, attention and MLP outputs, and embeddings (0 turns it off).</param>
public sealed record GptConfig(int VocabularySize, int Context, int Layers, int Heads, int EmbeddingDim, double Dropout = 0)
{
    /// <summary>Checks the sizes; all problems are gathered into one message.</summary>
    /// <exception cref="TrainingInputException">A size is impossible.</exception>
    public void Validate()
    {
        var problems = new List<OptionProblem>();
        if (VocabularySize < 2)
        {
            problems.Add(new OptionProblem(null, $"the vocabulary must have at least 2 tokens (has {VocabularySize})"));
        }

        if (Context < 1)
        {
            problems.Add(new OptionProblem(TrainingOption.Context, $"must be >= 1 (was {Context})"));
        }

        if (Layers < 1)
        {
            problems.Add(new OptionProblem(TrainingOption.Layers, $"must be >= 1 (was {Layers})"));
        }

        if (Heads < 1)
        {
            problems.Add(new OptionProblem(TrainingOption.Heads, $"must be >= 1 (was {Heads})"));
        }

        if (EmbeddingDim < 1)
        {
            problems.Add(new OptionProblem(TrainingOption.EmbeddingDim, $"must be >= 1 (was {EmbeddingDim})"));
        }
        else if (Heads >= 1 && EmbeddingDim % Heads != 0)
        {
            problems.Add(new OptionProblem(TrainingOption.EmbeddingDim, $"must be a multiple of the number of attention heads ({EmbeddingDim} is not a multiple of {Heads})"));
        }

        if (!(Dropout >= 0 && Dropout < 1))
        {
            problems.Add(new OptionProblem(TrainingOption.Dropout, $"must be in [0, 1) (was {Dropout})"));
        }

        if (problems.Count > 0)
        {
            throw new TrainingInputException(problems);
        }
    }

    /// <summary>Parameters of the model (the output head is tied to the token embedding and not counted twice).</summary>
    public long ParameterCount
    {
        get
        {
            long d = EmbeddingDim;
            var perBlock = (2 * 2 * d) + (3 * d * d) + (3 * d) + (d * d) + d + (4 * d * d) + (4 * d) + (4 * d * d) + d;
            return (VocabularySize * d) + (Context * d) + (Layers * perBlock) + (2 * d);
        }
    }

    /// <summary>
    /// Training FLOPs per token (forward and backward, multiply-add = 2): 6 per matrix-multiply parameter (embeddings
    /// excluded, tied head included) plus 6 × layers × context × dim for attention scores and values, averaged over positions as in the PaLM appendix.
    /// </summary>
    public double TrainingFlopsPerToken
    {
        get
        {
            double d = EmbeddingDim;
            var matmulParams = (Layers * 12 * d * d) + (VocabularySize * d);
            return (6 * matmulParams) + (6 * Layers * Context * d);
        }
    }
}
