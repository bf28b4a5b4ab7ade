namespace Tessera.Index.Lifecycle;

/// <summary>One lifecycle rule (S3's <c>Rule</c>): which objects it selects and the actions it takes on them.</summary>
public sealed record LifecycleRule
{
    /// <summary>The most characters of a rule id.</summary>
    public const int MaxIdLength = 255;

    /// <summary>The rule's id: the one given, or generated as S3 does (base64 of a random UUID's text).</summary>
    public required string Id { get; init; }

    /// <summary>Status Enabled (true) or Disabled (false). A disabled rule is kept and returned, never applied.</summary>
    public bool Enabled { get; init; }

    /// <summary>The objects the rule selects.</summary>
    public LifecycleFilter Filter { get; init; } = LifecycleFilter.All;

    /// <summary>
    /// Whether the filter came as the legacy top-level <c>&lt;Prefix&gt;</c> (PutBucketLifecycle's form) rather than
    /// <c>&lt;Filter&gt;</c>: GET returns the rule the way it was put.
    /// </summary>
    public bool LegacyPrefix { get; init; }

    /// <summary>The Expiration action of current versions, if any.</summary>
    public LifecycleExpiration? Expiration { get; init; }

    /// <summary>Transition actions of current versions, each to a different storage class.</summary>
    public IReadOnlyList<LifecycleTransition> Transitions { get; init; } = [];

    /// <summary>The NoncurrentVersionExpiration action, if any.</summary>
    public NoncurrentVersionExpiration? NoncurrentVersionExpiration { get; init; }

    /// <summary>NoncurrentVersionTransition actions, each to a different storage class.</summary>
    public IReadOnlyList<LifecycleTransition> NoncurrentVersionTransitions { get; init; } = [];

    /// <summary>AbortIncompleteMultipartUpload's DaysAfterInitiation, if the rule has that action.</summary>
    public int? AbortIncompleteMultipartUploadDays { get; init; }
}
