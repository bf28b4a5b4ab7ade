namespace Tessera.Core.Errors;

/// <summary>The names of the request an S3 error body repeats, as a row of the error table declares them.</summary>
[Flags]
public enum S3ErrorNames
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary><c>&lt;BucketName&gt;</c>, the bucket the request addressed.</summary>
    BucketName = 1,

    /// <summary><c>&lt;Key&gt;</c>, the key the request addressed.</summary>
    Key = 2,
}
