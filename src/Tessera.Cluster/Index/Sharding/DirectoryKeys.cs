using System.Globalization;
using Google.Protobuf;
using Tessera.Cluster.Control;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// Keys of the range directory in the control plane's etcd, and of the fence in each index group.
/// <list type="bullet">
/// <item><c>&lt;prefix&gt;index/groups/&lt;name&gt;</c> → <see cref="GroupRecord"/></item>
/// <item><c>&lt;prefix&gt;index/ranges/k&lt;hex(start)&gt;</c> → <see cref="RangeRecord"/>: lower-case hex keeps the
/// byte order of the starts (a shorter start that is a prefix of a longer one sorts first, in bytes and in hex)</item>
/// <item>in each group: <c>&lt;group prefix&gt;fence</c> → the group's generation, decimal text</item>
/// </list>
/// </summary>
internal sealed class DirectoryKeys
{
    public DirectoryKeys(string prefix)
    {
        Prefix = prefix + "index/";
        GroupsPrefix = Prefix + "groups/";
        RangesPrefix = Prefix + "ranges/";
    }

    /// <summary>The prefix of every directory key.</summary>
    public string Prefix { get; }

    /// <summary>The prefix of the group records.</summary>
    public string GroupsPrefix { get; }

    /// <summary>The prefix of the range records.</summary>
    public string RangesPrefix { get; }

    /// <summary>The key of group <paramref name="name"/>'s record.</summary>
    public string Group(string name) => GroupsPrefix + EtcdKeys.CheckId(name, nameof(name));

    /// <summary>The key of the record of the range starting at <paramref name="start"/>.</summary>
    public string Range(ReadOnlySpan<byte> start) => RangesPrefix + "k" + Convert.ToHexStringLower(start);

    /// <summary>The fence key of a group with key prefix <paramref name="groupPrefix"/>.</summary>
    public static ByteString Fence(string groupPrefix) => ByteString.CopyFromUtf8(groupPrefix + "fence");

    /// <summary>A generation as the fence key holds it.</summary>
    public static ByteString FenceValue(long generation) => ByteString.CopyFromUtf8(generation.ToString(CultureInfo.InvariantCulture));
}
