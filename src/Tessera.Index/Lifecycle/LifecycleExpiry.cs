namespace Tessera.Index.Lifecycle;

/// <summary>When a version will expire and by which rule: the <c>x-amz-expiration</c> header's content.</summary>
/// <param name="Date">The expiry date.</param>
/// <param name="RuleId">The rule's id.</param>
public readonly record struct LifecycleExpiry(DateTimeOffset Date, string RuleId);
