using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store;

/// <summary>
/// Multipart completion records: CompleteMultipartUpload writes no segment, so before its index commit it writes the
/// object's <see cref="RecoveryRecord"/> (the final manifest without disks, listing the parts' segments in order) as a
/// small file on m + 1 disks, named by the object's first segment. Index recovery reads them; garbage collection
/// deletes them with the segments (docs/design/index-recovery.md).
/// </summary>
internal static class CompletionRecords
{
    /// <summary>
    /// Writes the record on the first m + 1 disks of the placement of <paramref name="id"/> that accept it (all
    /// disks when there are fewer). Throws <see cref="StorageUnavailableException"/> when fewer than that succeed.
    /// </summary>
    public static async Task WriteAsync(ErasureSet set, ErasurePolicy policy, Guid id, byte[] content, CancellationToken cancellationToken)
    {
        var candidates = set.PlaceNew(id, policy.DataShards, policy.ParityShards, policy.DomainLevel);
        var wanted = Math.Min(policy.ParityShards + 1, candidates.Length);
        var written = 0;
        for (var i = 0; i < candidates.Length && written < wanted; i++)
        {
            if (set.Disk(candidates[i]) is not { } disk)
            {
                continue;
            }

            try
            {
                await disk.WriteRecordAsync(id, content, cancellationToken).ConfigureAwait(false);
                written++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Try the next disk of the placement.
            }
        }

        if (written < wanted)
        {
            Delete(set, id);
            throw new StorageUnavailableException($"The completion record could be written on {written} disks; {wanted} are needed.");
        }
    }

    /// <summary>Deletes the record named <paramref name="id"/> from every disk that has it; returns how many were deleted.</summary>
    public static int Delete(ErasureSet set, Guid id)
    {
        var deleted = 0;
        foreach (var disk in set.Disks)
        {
            try
            {
                if (disk.DeleteRecord(id))
                {
                    deleted++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A failing disk: the orphan sweep finds the record again.
            }
        }

        return deleted;
    }
}
