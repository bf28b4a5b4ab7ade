using System.Text.Json.Serialization;

namespace Tessera.Cluster.Control;

/// <summary>A disk's state in the cluster's topology map (in JSON: <c>active</c>, <c>draining</c>, <c>failed</c>, <c>removed</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DiskState>))]
public enum DiskState
{
    /// <summary>Takes new fragments and serves reads.</summary>
    [JsonStringEnumMemberName("active")]
    Active,

    /// <summary>Serves reads; its fragments are being moved away and it takes no new ones.</summary>
    [JsonStringEnumMemberName("draining")]
    Draining,

    /// <summary>Lost: its fragments are rebuilt elsewhere.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,

    /// <summary>Gone from the cluster; kept in the map so its id is not reused by mistake.</summary>
    [JsonStringEnumMemberName("removed")]
    Removed,
}
