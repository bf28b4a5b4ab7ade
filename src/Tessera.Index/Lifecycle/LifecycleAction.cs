namespace Tessera.Index.Lifecycle;

/// <summary>A due lifecycle action: what, by which rule, to which storage class (transitions), due since when.</summary>
/// <param name="Kind">The action.</param>
/// <param name="RuleId">The id of the rule that asks for it (null for <see cref="LifecycleActionKind.None"/>).</param>
/// <param name="StorageClass">The target class of a transition, else null.</param>
/// <param name="Due">When the action became due.</param>
public readonly record struct LifecycleAction(LifecycleActionKind Kind, string? RuleId, string? StorageClass, DateTimeOffset Due)
{
    /// <summary>Nothing due.</summary>
    public static readonly LifecycleAction None = new(LifecycleActionKind.None, null, null, default);
}
