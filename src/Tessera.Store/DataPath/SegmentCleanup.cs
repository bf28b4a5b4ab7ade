using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store;

/// <summary>Deletes the fragments of a segment that no manifest references (an upload that failed a check, garbage).</summary>
internal static class SegmentCleanup
{
    /// <summary>Deletes every fragment of <paramref name="segment"/> it can reach; returns how many were deleted.</summary>
    public static int Delete(ErasureSet set, SegmentManifest segment)
    {
        var deleted = 0;
        for (var i = 0; i < segment.Disks.Count; i++)
        {
            try
            {
                if (set.Disk(segment.Disks[i])?.DeleteFragment(new FragmentId(segment.Segment, i)) == true)
                {
                    deleted++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The disk is failing; the orphan is found again by scrub.
            }
        }

        return deleted;
    }
}
