using System.Text.Json.Serialization;
using Tessera.Index;

namespace Tessera.Cluster.Control;

/// <summary>
/// A bucket's record at <c>/tessera/buckets/&lt;name&gt;</c> (JSON, camelCase; the versioning state as a lower-case
/// string), the <see cref="BucketInfo"/> of the index in a form <c>etcdctl get</c> shows as it is.
/// </summary>
public sealed record BucketRecord
{
    /// <summary>The bucket's name (also the last segment of its key).</summary>
    public required string Name { get; init; }

    /// <summary>The owner's access key.</summary>
    public required string Owner { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>The region it was created in.</summary>
    public string Region { get; init; } = "";

    /// <summary><c>unversioned</c>, <c>enabled</c> or <c>suspended</c>.</summary>
    public string Versioning { get; init; } = "unversioned";

    /// <summary>
    /// The lifecycle configuration's stored form (canonical XML, at most 512 KiB), or null (then not written): records
    /// of older builds have none and read as a bucket without one.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Lifecycle { get; init; }

    /// <summary>The record of <paramref name="bucket"/>.</summary>
    public static BucketRecord From(BucketInfo bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        return new BucketRecord
        {
            Name = bucket.Name,
            Owner = bucket.Owner,
            Created = bucket.Created,
            Region = bucket.Region,
            Versioning = bucket.Versioning switch
            {
                VersioningState.Enabled => "enabled",
                VersioningState.Suspended => "suspended",
                _ => "unversioned",
            },
            Lifecycle = bucket.Lifecycle,
        };
    }

    /// <summary>The index's form of the record.</summary>
    /// <exception cref="FormatException">An unknown versioning state.</exception>
    public BucketInfo ToBucketInfo() => new(Name, Owner, Created, Region, Versioning switch
    {
        "unversioned" => VersioningState.Unversioned,
        "enabled" => VersioningState.Enabled,
        "suspended" => VersioningState.Suspended,
        _ => throw new FormatException($"Bucket {Name}: unknown versioning state '{Versioning}'."),
    }, Lifecycle);
}
