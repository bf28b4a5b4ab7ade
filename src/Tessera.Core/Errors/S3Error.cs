namespace Tessera.Core.Errors;

/// <summary>One row of the S3 error table: the code clients switch on, its HTTP status and default message.</summary>
/// <param name="Code">The S3 error code, verbatim from the AWS API reference (e.g. <c>NoSuchKey</c>).</param>
/// <param name="Status">The HTTP status S3 answers with.</param>
/// <param name="Message">The default human-readable message.</param>
/// <param name="Names">Which of the request's names the error body carries, as S3's does (<c>BucketName</c>, <c>Key</c>).</param>
public sealed record S3Error(string Code, int Status, string Message, S3ErrorNames Names = S3ErrorNames.None);
