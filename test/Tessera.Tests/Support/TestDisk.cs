using Tessera.Storage;

namespace Tessera.Tests;

/// <summary>A disk that only has an identity, labels and a weight: enough for placement.</summary>
internal sealed class TestDisk(string id, DiskLabels labels, double weight = 1) : IDisk
{
    public string Id { get; } = id;

    public DiskLabels Labels { get; } = labels;

    public double Weight { get; } = weight;

    /// <summary>A disk on its own node in <paramref name="rack"/> (zone z1).</summary>
    public static TestDisk InRack(string id, string rack, double weight = 1) => new(id, new DiskLabels("z1", rack, $"node-{id}"), weight);

    public ValueTask<IFragmentWriter> CreateFragmentAsync(FragmentHeader header, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public IFragmentReader? OpenFragment(FragmentId id) => throw new NotSupportedException();

    public DateTimeOffset? LastWriteTime(FragmentId id) => throw new NotSupportedException();

    public bool DeleteFragment(FragmentId id) => throw new NotSupportedException();

    public IEnumerable<FragmentId> ListFragments() => throw new NotSupportedException();

    public DiskProbe Probe() => DiskProbe.Healthy;

    public void Format()
    {
    }

    public ValueTask WriteRecordAsync(Guid id, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new NotSupportedException();

    public byte[]? ReadRecord(Guid id) => throw new NotSupportedException();

    public DateTimeOffset? RecordWriteTime(Guid id) => throw new NotSupportedException();

    public bool DeleteRecord(Guid id) => throw new NotSupportedException();

    public IEnumerable<Guid> ListRecords() => throw new NotSupportedException();
}
