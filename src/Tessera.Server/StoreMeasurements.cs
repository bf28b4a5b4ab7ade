using System.Globalization;
using System.Text.Json;
using Tessera.Durability;

namespace Tessera.Server;

/// <summary>
/// What <c>tessera durability --store</c> takes from a running store's admin status: the storage class's code, the
/// active disks and their racks, the placement limit per rack, the repair throughput the store measured while
/// repairing, and its failure detection delay (the disk probe interval).
/// </summary>
internal sealed record StoreMeasurements(
    string StorageClass,
    int K,
    int M,
    double ShardSize,
    int Disks,
    int Racks,
    int PerRack,
    double RepairBytesPerSecond,
    double RepairedBytes,
    double RepairSeconds,
    TimeSpan Detection)
{
    /// <summary>Reads the status and derives the model inputs.</summary>
    /// <exception cref="InvalidDataException">The store answered with an error or lacks the storage class.</exception>
    public static async Task<StoreMeasurements> ReadAsync(AdminClient client, string storageClass, CancellationToken cancellationToken)
    {
        var (status, body) = await client.SendAsync(HttpMethod.Get, "status", [], cancellationToken).ConfigureAwait(false);
        using (body)
        {
            var root = body.RootElement;
            if (status != 200)
            {
                throw new InvalidDataException($"The store answered {status}: {(root.TryGetProperty("message", out var message) ? message.GetString() : "")}");
            }

            var policy = root.GetProperty("policies").EnumerateArray()
                .FirstOrDefault(p => string.Equals(p.GetProperty("storageClass").GetString(), storageClass, StringComparison.Ordinal));
            if (policy.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"The store has no storage class '{storageClass}'.");
            }

            int k = policy.GetProperty("k").GetInt32(), m = policy.GetProperty("m").GetInt32();
            var level = policy.GetProperty("domainLevel").GetString()!;
            var active = root.GetProperty("disks").EnumerateArray().Where(d => d.GetProperty("state").GetString() == "active").ToList();

            // The model's "racks" are the failure domains the policy spreads over.
            var domains = active.GroupBy(d => level == "disk" ? d.GetProperty("id").GetString() : d.GetProperty(level).GetString()).Count();
            var perDomain = domains >= k + m ? 1 : (k + m + domains - 1) / Math.Max(1, domains);
            var repair = root.GetProperty("repair");
            return new StoreMeasurements(
                storageClass,
                k,
                m,
                policy.GetProperty("shardSize").GetInt32(),
                active.Count,
                domains,
                perDomain,
                repair.GetProperty("measuredBytesPerSecond").GetDouble(),
                repair.GetProperty("bytesRebuilt").GetDouble(),
                repair.GetProperty("busySeconds").GetDouble(),
                TimeSpan.FromSeconds(repair.GetProperty("detectionSeconds").GetDouble()));
        }
    }

    /// <summary>One paragraph saying what was taken from the store.</summary>
    public string Describe(string url) => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        Measured by the store at {url}
          {StorageClass}: RS({K},{M}), {Units.FormatSize(ShardSize)} shards; {Disks} active disks in {Racks} failure domains, at most {PerRack} fragments per domain
          repair: {Units.FormatSize(RepairedBytes)} rebuilt in {RepairSeconds:F2} s of repair work = {Units.FormatSize(RepairBytesPerSecond)}/s; detection: {Detection.TotalSeconds:F0} s (disk probe interval)

        """);
}
