using System.Text;

namespace Anneal.Training.Data;

/// <summary>
/// The built-in corpus: English-like sentences ("The old fox sees a river. A dog runs slowly.") from a word-level
/// Markov chain of order 1 over 90 words and an end-of-sentence mark, generated in code from a seed, with an entropy
/// rate computed exactly in closed form: the loss floor that no model of the text can beat.
/// </summary>
/// <remarks>
/// <para><b>The source.</b> The states are the 90 words and <c>END</c>. Each word belongs to a part of speech
/// (determiner, adjective, noun, verb, preposition, adverb); a fixed table gives the probability of moving from one part
/// of speech to the next (a noun is followed by a verb with probability 0.55, ...), and each word chooses, from the
/// seed, a few successors in each next part of speech with random weights. So <c>P(t | s)</c> = P(part(t) | part(s))
/// × w<sub>s</sub>(t) / Σ w<sub>s</sub>: a sparse, irreducible, aperiodic chain (adjectives loop on themselves).</para>
/// <para><b>The spelling.</b> A transition s → t emits the string e(s, t): <c>"."</c> when t is END;
/// <c>"\n" + Capitalised(t)</c> when s is END (a new sentence starts on a new line); <c>" " + t</c> otherwise.
/// Words are distinct lower-case strings, so the text decodes back into the state sequence unambiguously and with a
/// delay of one word (separators mark every boundary, capitals and periods mark sentences).</para>
/// <para><b>The entropy rate.</b> With π the stationary distribution (π = πP, Σπ = 1, solved exactly by Gaussian
/// elimination), the chain's entropy rate per transition is H<sub>w</sub> = Σ<sub>s</sub> π<sub>s</sub>
/// (−Σ<sub>t</sub> P(t|s) ln P(t|s)) and the mean number of characters emitted per transition is
/// L = Σ<sub>s</sub> π<sub>s</sub> Σ<sub>t</sub> P(t|s) |e(s,t)|. Because the character string determines the state
/// sequence (and vice versa) up to a boundary term that does not grow with length, the entropy of n characters is the
/// entropy of the ≈ n / L transitions that produced them, so the per-character entropy rate is exactly
/// H = H<sub>w</sub> / L nats (<see cref="EntropyNatsPerChar"/>), i.e. H / ln 2 bits (<see cref="EntropyBitsPerChar"/>).
/// This is the cross-entropy floor, in nats per token, of any character-level model that sees the whole past; a model
/// with a finite context sees at least the previous word and so the current state, except in the first few positions
/// of its window, where it may lose a little more.</para>
/// </remarks>
public sealed class SyntheticCorpus
{
    /// <summary>The default seed of the built-in corpus.</summary>
    public const int DefaultSeed = 1234;

    private const int End = -1;

    private static readonly string[][] PartsOfSpeech =
    [
        ["the", "a", "this", "that", "every", "some", "one", "no"],
        ["small", "old", "red", "quiet", "bright", "cold", "green", "little", "brave", "tired", "happy", "dark", "young", "wise", "slow", "tall"],
        ["cat", "dog", "bird", "fox", "child", "king", "river", "tree", "house", "ship", "stone", "horse", "wolf", "queen", "garden",
         "road", "star", "boat", "lamp", "door", "farmer", "sailor", "mouse", "owl", "bell", "hill", "cloud", "field", "apple", "window"],
        ["sees", "finds", "likes", "follows", "watches", "keeps", "loves", "hears", "carries", "meets", "sleeps", "runs", "waits",
         "sings", "falls", "walks", "stops", "grows", "shines", "turns"],
        ["near", "under", "over", "behind", "beside", "with", "into", "across"],
        ["slowly", "quietly", "again", "today", "often", "there", "here", "soon"],
    ];

    // Rows: determiner, adjective, noun, verb, preposition, adverb, END. Columns: the same parts, END last.
    private static readonly double[][] PartTransitions =
    [
        [0, 0.35, 0.65, 0, 0, 0, 0],
        [0, 0.15, 0.85, 0, 0, 0, 0],
        [0, 0, 0, 0.55, 0.15, 0, 0.30],
        [0.50, 0, 0, 0, 0.20, 0.15, 0.15],
        [1.0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0.40, 0, 0.60],
        [1.0, 0, 0, 0, 0, 0, 0],
    ];

    private const int SuccessorsPerPart = 5;

    private readonly string[] _words;
    private readonly double[][] _p; // (words + END) x (words + END), END is the last index
    private readonly double[] _stationary;
    private readonly Dictionary<string, int> _index;

    private SyntheticCorpus(int seed)
    {
        Seed = seed;
        _words = [.. PartsOfSpeech.SelectMany(w => w)];
        _index = _words.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
        var part = PartsOfSpeech.SelectMany((ws, p) => ws.Select(_ => p)).Append(PartsOfSpeech.Length).ToArray();
        var offsets = new int[PartsOfSpeech.Length + 1];
        for (var p = 1; p <= PartsOfSpeech.Length; p++)
        {
            offsets[p] = offsets[p - 1] + PartsOfSpeech[p - 1].Length;
        }

        var n = _words.Length + 1;
        var rng = new SplitMix64(SplitMix64.Mix((ulong)seed ^ 0x5EED_C0DEUL));
        _p = new double[n][];
        for (var s = 0; s < n; s++)
        {
            _p[s] = new double[n];
            var row = PartTransitions[part[s]];
            for (var q = 0; q < row.Length; q++)
            {
                if (row[q] == 0)
                {
                    continue;
                }

                if (q == PartsOfSpeech.Length)
                {
                    _p[s][n - 1] += row[q];
                    continue;
                }

                // Choose up to SuccessorsPerPart distinct words of part q with weights in [0.2, 1.2).
                var candidates = Enumerable.Range(offsets[q], PartsOfSpeech[q].Length).ToList();
                var chosen = new List<(int Word, double Weight)>();
                while (chosen.Count < SuccessorsPerPart && candidates.Count > 0)
                {
                    var k = (int)rng.NextInt64(candidates.Count);
                    chosen.Add((candidates[k], 0.2 + rng.NextDouble()));
                    candidates.RemoveAt(k);
                }

                var total = chosen.Sum(c => c.Weight);
                foreach (var (word, weight) in chosen)
                {
                    _p[s][word] += row[q] * weight / total;
                }
            }
        }

        _stationary = Stationary(_p);
        double entropy = 0, length = 0;
        for (var s = 0; s < n; s++)
        {
            for (var t = 0; t < n; t++)
            {
                var p = _p[s][t];
                if (p > 0)
                {
                    entropy -= _stationary[s] * p * Math.Log(p);
                    length += _stationary[s] * p * EmissionLength(s, t);
                }
            }
        }

        EntropyNatsPerWord = entropy;
        MeanCharsPerWord = length;
    }

    /// <summary>The seed the chain's transition probabilities and the sampled text come from.</summary>
    public int Seed { get; }

    /// <summary>The vocabulary of the chain (lower case), END excluded.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>The chain's entropy rate per transition (word or period), H<sub>w</sub>, in nats.</summary>
    public double EntropyNatsPerWord { get; }

    /// <summary>The mean number of characters emitted per transition, L (separators and periods included).</summary>
    public double MeanCharsPerWord { get; }

    /// <summary>The exact entropy rate of the text in nats per character, H<sub>w</sub> / L: the loss floor of a character-level model.</summary>
    public double EntropyNatsPerChar => EntropyNatsPerWord / MeanCharsPerWord;

    /// <summary>The exact entropy rate in bits per character.</summary>
    public double EntropyBitsPerChar => EntropyNatsPerChar / Math.Log(2);

    /// <summary>Creates the corpus for <paramref name="seed"/>; equal seeds give equal chains and equal text.</summary>
    public static SyntheticCorpus Create(int seed = DefaultSeed) => new(seed);

    /// <summary>
    /// Samples <paramref name="characters"/> characters of text, starting at the beginning of a sentence. The same seed
    /// and length always give the same text, and a shorter text is a prefix of a longer one.
    /// </summary>
    public string Generate(int characters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(characters);
        var rng = new SplitMix64(SplitMix64.Mix((ulong)Seed ^ 0x7E47_5A3FUL));
        var text = new StringBuilder(characters + 16);
        var state = _words.Length; // END: the text starts a sentence
        var first = true;
        while (text.Length < characters)
        {
            var next = Sample(_p[state], ref rng);
            if (first)
            {
                text.Append(Capitalise(_words[next]));
                first = false;
            }
            else
            {
                text.Append(Emission(state, next));
            }

            state = next;
        }

        return text.ToString(0, characters);
    }

    /// <summary>
    /// The natural log-probability of <paramref name="text"/> (a whole number of transitions, as <see cref="Generate"/>
    /// starts: at a sentence start) under the chain, and the number of transitions; decodes the text into states on the way.
    /// </summary>
    /// <exception cref="FormatException">The text is not something the chain can emit.</exception>
    public (double LogProbability, long Transitions) Score(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var endState = _words.Length;
        var state = endState;
        double logp = 0;
        long count = 0;
        var i = 0;
        var first = true;
        while (i < text.Length)
        {
            int next;
            if (text[i] == '.')
            {
                next = endState;
                i++;
            }
            else
            {
                if (!first)
                {
                    var separator = state == endState ? '\n' : ' ';
                    if (text[i] != separator)
                    {
                        throw new FormatException($"expected {(separator == '\n' ? "a newline" : "a space")} at {i}");
                    }

                    i++;
                }

                var start = i;
                while (i < text.Length && char.IsAsciiLetter(text[i]))
                {
                    i++;
                }

                var word = text[start..i];
                var capitalised = word.Length > 0 && char.IsAsciiLetterUpper(word[0]);
                if (capitalised != (state == endState) || !_index.TryGetValue(word.ToLowerInvariant(), out next))
                {
                    throw new FormatException($"'{word}' at {start} is not a word the chain emits here");
                }
            }

            var p = _p[state][next];
            if (p == 0)
            {
                throw new FormatException($"the chain cannot go from {Name(state)} to {Name(next)} (at {i})");
            }

            logp += Math.Log(p);
            count++;
            state = next;
            first = false;
        }

        return (logp, count);
    }

    private string Name(int state) => state == _words.Length ? "END" : _words[state];

    private int EmissionLength(int s, int t) => t == _words.Length ? 1 : 1 + _words[t].Length;

    private string Emission(int s, int t) =>
        t == _words.Length ? "." : s == _words.Length ? "\n" + Capitalise(_words[t]) : " " + _words[t];

    private static string Capitalise(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static int Sample(double[] row, ref SplitMix64 rng)
    {
        var u = rng.NextDouble();
        var last = -1;
        for (var t = 0; t < row.Length; t++)
        {
            if (row[t] <= 0)
            {
                continue;
            }

            last = t;
            u -= row[t];
            if (u < 0)
            {
                return t;
            }
        }

        return last; // rounding: the row sums to 1 within an ulp or two
    }

    /// <summary>Solves π(P − I) = 0 with Σπ = 1 by Gaussian elimination with partial pivoting.</summary>
    private static double[] Stationary(double[][] p)
    {
        var n = p.Length;
        var a = new double[n, n + 1];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                a[i, j] = p[j][i] - (i == j ? 1 : 0);
            }
        }

        for (var j = 0; j <= n; j++)
        {
            a[n - 1, j] = 1; // replace one (redundant) balance equation by the normalisation
        }

        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }

            for (var j = 0; j <= n; j++)
            {
                (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            }

            for (var r = 0; r < n; r++)
            {
                if (r == col || a[r, col] == 0)
                {
                    continue;
                }

                var f = a[r, col] / a[col, col];
                for (var j = col; j <= n; j++)
                {
                    a[r, j] -= f * a[col, j];
                }
            }
        }

        var pi = new double[n];
        for (var i = 0; i < n; i++)
        {
            pi[i] = a[i, n] / a[i, i];
        }

        return pi;
    }
}
