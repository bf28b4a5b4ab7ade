namespace Tessera.Store.Maintenance;

/// <summary>
/// Segments waiting for repair, ordered by remaining redundancy: a segment that can lose only one more fragment
/// goes before one that can lose m. A segment is queued once; queueing it again keeps the lower redundancy and
/// merges the fragment indices known to be corrupt. Thread-safe.
/// </summary>
public sealed class RepairQueue
{
    private readonly Lock _lock = new();
    private readonly PriorityQueue<Guid, (int Redundancy, long Order)> _heap = new();
    private readonly Dictionary<Guid, Entry> _entries = [];
    private readonly SemaphoreSlim _signal = new(0);
    private long _order;
    private long _added;

    /// <summary>
    /// Where repair work goes when this process does not repair: a cluster node that does not run the maintenance
    /// hands what it finds (a degraded write, a damaged fragment it read) to the node that does. Null, the default:
    /// this queue takes it.
    /// </summary>
    public Action<Guid, int, IReadOnlyCollection<int>>? Forward { get; set; }

    /// <summary>Segments waiting.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Queues a segment. <paramref name="remainingRedundancy"/> is how many more fragments it can lose (m minus
    /// the fragments lost; negative when it is already unreadable); <paramref name="corrupt"/> lists shard indices
    /// whose fragment is known to be corrupt (a scrub or a read found bad blocks), to be rebuilt in place.
    /// </summary>
    /// <returns>True when the segment was not queued yet or moved up the queue.</returns>
    public bool Enqueue(Guid segment, int remainingRedundancy, IEnumerable<int>? corrupt = null)
    {
        if (Forward is { } forward)
        {
            forward(segment, remainingRedundancy, corrupt?.ToList() ?? []);
            return true;
        }

        return EnqueueHere(segment, remainingRedundancy, corrupt);
    }

    /// <summary>
    /// Queues a segment in this queue whatever <see cref="Forward"/> says: work another node handed to this one is
    /// never handed on again (two nodes that each believe the other coordinates would bounce it forever).
    /// </summary>
    public bool EnqueueHere(Guid segment, int remainingRedundancy, IEnumerable<int>? corrupt = null)
    {
        lock (_lock)
        {
            var added = false;
            if (!_entries.TryGetValue(segment, out var entry))
            {
                entry = new Entry(remainingRedundancy);
                _entries.Add(segment, entry);
                _heap.Enqueue(segment, (remainingRedundancy, _order++));
                added = true;
            }
            else if (remainingRedundancy < entry.Redundancy)
            {
                // The old heap node stays behind with the worse priority; TryDequeue skips it.
                entry.Redundancy = remainingRedundancy;
                _heap.Enqueue(segment, (remainingRedundancy, _order++));
                added = true;
            }

            if (corrupt is not null)
            {
                entry.Corrupt.UnionWith(corrupt);
            }

            if (added)
            {
                _added++;
                _signal.Release();
            }

            return added;
        }
    }

    /// <summary>Takes the segment with the least remaining redundancy, with its known-corrupt indices.</summary>
    public bool TryDequeue(out Guid segment, out int remainingRedundancy, out IReadOnlySet<int> corrupt)
    {
        lock (_lock)
        {
            while (_heap.TryDequeue(out segment, out var priority))
            {
                if (_entries.TryGetValue(segment, out var entry) && entry.Redundancy == priority.Redundancy)
                {
                    _entries.Remove(segment);
                    remainingRedundancy = entry.Redundancy;
                    corrupt = entry.Corrupt;
                    return true;
                }
            }

            remainingRedundancy = 0;
            corrupt = new HashSet<int>();
            return false;
        }
    }

    /// <summary>How many times a segment was queued (or moved up) since start; only grows.</summary>
    public long Added
    {
        get
        {
            lock (_lock)
            {
                return _added;
            }
        }
    }

    /// <summary>Completes when something may have been queued since the last wait.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    /// <summary>Queued segments by remaining redundancy, ascending.</summary>
    public IReadOnlyList<KeyValuePair<int, int>> CountByRedundancy()
    {
        lock (_lock)
        {
            return [.. _entries.Values.GroupBy(e => e.Redundancy).OrderBy(g => g.Key).Select(g => KeyValuePair.Create(g.Key, g.Count()))];
        }
    }

    private sealed class Entry(int redundancy)
    {
        public int Redundancy { get; set; } = redundancy;

        public HashSet<int> Corrupt { get; } = [];
    }
}
