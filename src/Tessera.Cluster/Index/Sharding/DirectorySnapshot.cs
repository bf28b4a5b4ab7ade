using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// The range directory as read at one revision of the control plane: the groups and the ranges (sorted by start), each
/// with the mod revision its record had, which a change compares (compare-and-set).
/// </summary>
public sealed class DirectorySnapshot
{
    private const int PageSize = 500;

    private DirectorySnapshot(long revision, IReadOnlyDictionary<string, (GroupRecord Record, long ModRevision)> groups, IReadOnlyList<(RangeRecord Record, long ModRevision)> ranges)
    {
        Revision = revision;
        Groups = groups;
        Ranges = ranges;
    }

    /// <summary>The control plane's revision the snapshot was read at.</summary>
    public long Revision { get; }

    /// <summary>The groups by name.</summary>
    public IReadOnlyDictionary<string, (GroupRecord Record, long ModRevision)> Groups { get; }

    /// <summary>The ranges by start, covering the keyspace without gaps once the directory is initialized.</summary>
    public IReadOnlyList<(RangeRecord Record, long ModRevision)> Ranges { get; }

    /// <summary>The index of the range holding <paramref name="coordinate"/>, or -1 when there is none.</summary>
    public int IndexOf(ReadOnlySpan<byte> coordinate)
    {
        // The last range whose start is at or before the coordinate.
        int low = 0, high = Ranges.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (Ranges[middle].Record.Start.AsSpan().SequenceCompareTo(coordinate) <= 0)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }

    /// <summary>Reads the directory under <paramref name="keys"/> at one revision (paged, every page at that revision).</summary>
    internal static async Task<DirectorySnapshot> ReadAsync(EtcdClient client, DirectoryKeys keys, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<string, (GroupRecord, long)>(StringComparer.Ordinal);
        var ranges = new List<(RangeRecord, long)>();
        var start = EtcdKeys.Bytes(keys.Prefix);
        var end = EtcdKeys.RangeEnd(keys.Prefix);
        long revision = 0;
        while (true)
        {
            var request = new RangeRequest { Key = start, RangeEnd = end, Limit = PageSize, Revision = revision };
            var page = await client.GetAsync(request, deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            // The header carries the current revision, not the one asked for: only the first page fixes it.
            if (revision == 0)
            {
                revision = page.Header.Revision;
            }
            foreach (var kv in page.Kvs)
            {
                var key = kv.Key.ToStringUtf8();
                if (key.StartsWith(keys.GroupsPrefix, StringComparison.Ordinal))
                {
                    var group = JsonSerializer.Deserialize(kv.Value.Span, ShardingJsonContext.Default.GroupRecord)
                        ?? throw new InvalidDataException($"Group record {key} is null.");
                    groups[group.Name] = (group, kv.ModRevision);
                }
                else if (key.StartsWith(keys.RangesPrefix, StringComparison.Ordinal))
                {
                    var range = JsonSerializer.Deserialize(kv.Value.Span, ShardingJsonContext.Default.RangeRecord)
                        ?? throw new InvalidDataException($"Range record {key} is null.");
                    ranges.Add((range, kv.ModRevision));
                }
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                break;
            }

            start = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }

        // Keys sort by hex(start), which is the byte order of the starts; sort again anyway, cheaply, as the invariant the
        // binary search relies on.
        ranges.Sort((a, b) => a.Item1.Start.AsSpan().SequenceCompareTo(b.Item1.Start));
        Validate(ranges, groups);
        return new DirectorySnapshot(revision, groups, ranges);
    }

    /// <summary>The ranges tile the keyspace: the first starts empty, each ends where the next starts, the last has no end.</summary>
    private static void Validate(List<(RangeRecord Record, long)> ranges, Dictionary<string, (GroupRecord, long)> groups)
    {
        for (var i = 0; i < ranges.Count; i++)
        {
            var range = ranges[i].Record;
            var expectedStart = i == 0 ? [] : ranges[i - 1].Record.End;
            if (expectedStart is null || !range.Start.AsSpan().SequenceEqual(expectedStart))
            {
                throw new InvalidDataException($"The range directory has a gap or an overlap before range {range.Id}.");
            }

            if (!groups.ContainsKey(range.Group) || (range.MovingTo is { } target && !groups.ContainsKey(target)))
            {
                throw new InvalidDataException($"Range {range.Id} names a group the directory does not hold.");
            }
        }

        if (ranges.Count > 0 && ranges[^1].Record.End is not null)
        {
            throw new InvalidDataException("The last range of the directory has an end.");
        }
    }
}
