using Tessera.Linearizability;

namespace Tessera.Tests.Linearizability;

/// <summary>Short builders for hand-made histories: times are small integers, as in a drawn timeline.</summary>
internal static class Histories
{
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    public static Operation<RegisterInput, RegisterOutput> R(int client, long call, long ret, RegisterInput input, RegisterOutput output) =>
        new(client, input, output, call, ret);

    /// <summary>An indeterminate register operation: called at <paramref name="call"/>, the client gave up one tick later.</summary>
    public static Operation<RegisterInput, RegisterOutput> RLost(int client, long call, RegisterInput input) =>
        Operation<RegisterInput, RegisterOutput>.Indeterminate(client, input, call, call + 1);

    public static Operation<SetInput, SetOutput> S(int client, long call, long ret, SetInput input, SetOutput output) =>
        new(client, input, output, call, ret);

    public static Operation<SetInput, SetOutput> SLost(int client, long call, SetInput input) =>
        Operation<SetInput, SetOutput>.Indeterminate(client, input, call, call + 1);

    public static Operation<SetInput, SetOutput> Listed(int client, long call, long ret, params string[] elements) =>
        new(client, SetInput.List(), SetOutput.Listed(elements), call, ret);

    public static CheckOutcome Register(params Operation<RegisterInput, RegisterOutput>[] history) =>
        LinearizabilityChecker.Check(RegisterModel.Instance, history, Budget).Outcome;

    /// <summary>Checks with both set models and requires them to agree (the hand-made set histories are not about the split's gap).</summary>
    public static CheckOutcome Set(params Operation<SetInput, SetOutput>[] history)
    {
        var split = LinearizabilityChecker.Check(SetModel.Instance, history, Budget).Outcome;
        var whole = LinearizabilityChecker.Check(WholeSetModel.Instance, history, Budget).Outcome;
        Assert.Equal(whole, split);
        return split;
    }
}
