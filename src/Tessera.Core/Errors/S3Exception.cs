namespace Tessera.Core.Errors;

/// <summary>
/// An expected failure that the client must see as an S3 error response. The gateway turns it into the XML body
/// with <see cref="Error"/>'s code and status; anything else that escapes a handler is a bug and becomes
/// <c>InternalError</c>.
/// </summary>
public sealed class S3Exception : Exception
{
    /// <summary>Creates the exception with the table's default message.</summary>
    public S3Exception(S3Error error)
        : this(error, error.Message)
    {
    }

    /// <summary>Creates the exception with a specific message.</summary>
    public S3Exception(S3Error error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>The table row: code and HTTP status.</summary>
    public S3Error Error { get; }

    /// <summary>The resource the error is about (the request path), when known.</summary>
    public string? Resource { get; init; }

    /// <summary>Extra elements for the XML body (e.g. <c>BucketName</c>, <c>Key</c>, <c>ArgumentName</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Details { get; init; }

    /// <summary>Extra response headers that go with the error (e.g. <c>x-amz-delete-marker</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }
}
