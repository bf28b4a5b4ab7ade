namespace Tessera.Index.Lifecycle;

/// <summary>
/// The objects a rule selects (S3's <c>LifecycleRuleFilter</c>): a key prefix, tags that must all be present with
/// their values, and object size bounds (both exclusive). Every predicate given must hold; no predicate selects every
/// object.
/// </summary>
public sealed record LifecycleFilter
{
    /// <summary>The filter that selects every object (an empty <c>&lt;Filter/&gt;</c>).</summary>
    public static readonly LifecycleFilter All = new();

    /// <summary>The key prefix, or null. An empty prefix is kept apart from none so that GET returns what was put.</summary>
    public string? Prefix { get; init; }

    /// <summary>Tags an object must carry, each with exactly this value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>Objects strictly larger than this many bytes, or null.</summary>
    public long? ObjectSizeGreaterThan { get; init; }

    /// <summary>Objects strictly smaller than this many bytes, or null.</summary>
    public long? ObjectSizeLessThan { get; init; }

    /// <summary>Whether the predicates were given inside <c>&lt;And&gt;</c> (two or more of them).</summary>
    public bool And { get; init; }

    /// <summary>Whether the filter tests tags.</summary>
    public bool HasTags => Tags.Count > 0;

    /// <summary>Whether the filter tests the object size.</summary>
    public bool HasSize => ObjectSizeGreaterThan is not null || ObjectSizeLessThan is not null;

    /// <summary>Whether an object with this key, size and tags is selected.</summary>
    public bool Matches(string key, long size, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(tags);
        if (Prefix is not null && !key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (ObjectSizeGreaterThan is { } above && size <= above)
        {
            return false;
        }

        if (ObjectSizeLessThan is { } below && size >= below)
        {
            return false;
        }

        foreach (var (name, value) in Tags)
        {
            var found = false;
            foreach (var (objectName, objectValue) in tags)
            {
                if (objectName == name)
                {
                    found = objectValue == value;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>S3's description of a filter in validation messages, e.g. <c>(prefix=logs/)</c>.</summary>
    public string Describe() => "(prefix=" + (Prefix ?? "") + ")";
}
