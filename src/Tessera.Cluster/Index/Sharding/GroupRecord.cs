namespace Tessera.Cluster.Index.Sharding;

/// <summary>An index group as the range directory stores it, at <c>&lt;prefix&gt;index/groups/&lt;name&gt;</c> (JSON).</summary>
public sealed record GroupRecord
{
    /// <summary>The group's name (an id: no '/').</summary>
    public required string Name { get; init; }

    /// <summary>The client URLs of the group's etcd cluster, comma separated.</summary>
    public required string Endpoints { get; init; }

    /// <summary>The prefix of the index keys in the group's etcd (ends in '/').</summary>
    public required string KeyPrefix { get; init; }

    /// <summary>
    /// The group's fence generation. The group's fence key holds the same number once a change has finished; every
    /// index read and write on the group compares it, so bumping it turns away every gateway whose directory is older.
    /// </summary>
    public long Generation { get; init; } = 1;
}
