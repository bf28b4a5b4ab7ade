namespace Tessera.Linearizability;

/// <summary>The operations of <see cref="RegisterModel"/>, each an S3 request on one key.</summary>
public enum RegisterOperation
{
    /// <summary>GetObject: the current value, or absent (NoSuchKey).</summary>
    Get,

    /// <summary>PutObject: sets the value unconditionally.</summary>
    Put,

    /// <summary>PutObject with If-Match: sets the value only if the current one is the expected one, else fails (412, or 404 when absent).</summary>
    PutIfMatch,

    /// <summary>PutObject with If-None-Match: *: creates the key only if absent, else fails (412).</summary>
    PutIfNoneMatch,

    /// <summary>DeleteObject: the key becomes absent (succeeds whether or not it existed).</summary>
    Delete,
}
