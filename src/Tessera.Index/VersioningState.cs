namespace Tessera.Index;

/// <summary>S3 bucket versioning states.</summary>
public enum VersioningState
{
    /// <summary>Never enabled: every write replaces the <c>null</c> version.</summary>
    Unversioned,

    /// <summary>Every write creates a new version.</summary>
    Enabled,

    /// <summary>Was enabled; new writes replace the <c>null</c> version, older versions stay.</summary>
    Suspended,
}
