namespace Tessera.Index;

/// <summary>What a <see cref="RecoveryRecord"/> re-derives.</summary>
public enum RecoveryRecordKind
{
    /// <summary>A single-part object version (the trailer of its segment's fragments).</summary>
    Version = 1,

    /// <summary>One part of a multipart upload (the trailer of the part's fragments).</summary>
    Part = 2,

    /// <summary>A completed multipart object: its manifest listing the parts' segments (a completion record).</summary>
    Completion = 3,
}
