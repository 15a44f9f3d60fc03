using System.Reflection;
using System.Text.Json.Serialization;

namespace Anneal.Training;

/// <summary>The optimizers a run can use: TorchSharp's own, over the model's two parameter groups.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    /// <summary><c>torch.optim.SGD</c> with momentum (<c>sgd</c>).</summary>
    [JsonStringEnumMemberName("sgd")]
    Sgd,

    /// <summary><c>torch.optim.Adam</c>, weight decay as L2 (<c>adam</c>).</summary>
    [JsonStringEnumMemberName("adam")]
    Adam,

    /// <summary><c>torch.optim.AdamW</c>, decoupled weight decay (<c>adamw</c>).</summary>
    [JsonStringEnumMemberName("adamw")]
    AdamW,

    /// <summary><c>torch.optim.RMSprop</c> with momentum (<c>rmsprop</c>).</summary>
    [JsonStringEnumMemberName("rmsprop")]
    RmsProp,

    /// <summary><c>torch.optim.Adagrad</c>, which has no momentum (<c>adagrad</c>).</summary>
    [JsonStringEnumMemberName("adagrad")]
    Adagrad,
}

/// <summary>The tokenizers a run can use.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TokenizerKind>))]
public enum TokenizerKind
{
    /// <summary>One token per Unicode character of the text (<c>char</c>).</summary>
    [JsonStringEnumMemberName("char")]
    Char,

    /// <summary>GPT-2's byte-pair encoding (<c>gpt2</c>).</summary>
    [JsonStringEnumMemberName("gpt2")]
    Gpt2,
}

/// <summary>The names of <see cref="OptimizerKind"/> (as JSON and the command line spell them) and what each optimizer has.</summary>
public static class OptimizerKinds
{
    /// <summary>The names in declaration order, as a phrase: <c>sgd, adam, adamw, rmsprop or adagrad</c>.</summary>
    public static string List => EnumNames<OptimizerKind>.List;

    /// <summary>The name of <paramref name="kind"/>: <c>adamw</c>.</summary>
    public static string Name(this OptimizerKind kind) => EnumNames<OptimizerKind>.Name(kind);

    /// <summary>Parses a name.</summary>
    /// <exception cref="TrainingInputException">Not a name (<see cref="TrainingOption.Optimizer"/>).</exception>
    public static OptimizerKind Parse(string name) => EnumNames<OptimizerKind>.Parse(name, TrainingOption.Optimizer);

    /// <summary>What a schedule that cycles momentum sets: SGD's and RMSprop's momentum, Adam's beta1, or nothing (Adagrad).</summary>
    public static MomentumKind Momentum(this OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd or OptimizerKind.RmsProp => MomentumKind.Momentum,
        OptimizerKind.Adam or OptimizerKind.AdamW => MomentumKind.Beta1,
        _ => MomentumKind.None,
    };

    /// <summary>True when a schedule may cycle this optimizer's momentum (or beta1).</summary>
    public static bool HasMomentum(this OptimizerKind kind) => kind.Momentum() != MomentumKind.None;
}

/// <summary>The names of <see cref="TokenizerKind"/>.</summary>
public static class TokenizerKinds
{
    /// <summary>The names as a phrase: <c>char or gpt2</c>.</summary>
    public static string List => EnumNames<TokenizerKind>.List;

    /// <summary>The name of <paramref name="kind"/>: <c>char</c>.</summary>
    public static string Name(this TokenizerKind kind) => EnumNames<TokenizerKind>.Name(kind);

    /// <summary>Parses a name.</summary>
    /// <exception cref="TrainingInputException">Not a name (<see cref="TrainingOption.Tokenizer"/>).</exception>
    public static TokenizerKind Parse(string name) => EnumNames<TokenizerKind>.Parse(name, TrainingOption.Tokenizer);
}

/// <summary>An enum's names from its <see cref="JsonStringEnumMemberNameAttribute"/>s: one spelling for JSON, the command line and messages.</summary>
internal static class EnumNames<T>
    where T : struct, Enum
{
    private static readonly (T Value, string Name)[] Pairs =
        [.. typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => ((T)f.GetValue(null)!, f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name.ToLowerInvariant()))];

    public static string List => Pairs.Length == 1
        ? Pairs[0].Name
        : string.Join(", ", Pairs[..^1].Select(p => p.Name)) + " or " + Pairs[^1].Name;

    public static string Name(T value) => Pairs.First(p => p.Value.Equals(value)).Name;

    public static T Parse(string name, TrainingOption option) =>
        Pairs.FirstOrDefault(p => p.Name == name) is { Name: not null } hit
            ? hit.Value
            : throw new TrainingInputException(option, $"must be {List} (was '{name}')");
}
