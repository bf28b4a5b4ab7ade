using System.Globalization;
using System.Xml.Linq;
using Tessera.Core.Errors;
using Tessera.S3.Auth;
using Tessera.S3.Xml;

namespace Tessera.S3.Gateway;

/// <summary>
/// The one way a handler reads a request body: decoded (aws-chunked when the signature says so) and checked against
/// every digest the request declared (<see cref="RequestDigests"/>) before anything acts on it.
/// </summary>
internal static class RequestBody
{
    /// <summary>The most bytes an XML body is read in one go.</summary>
    private const int ReadSize = 16 * 1024;

    /// <summary>
    /// Opens the body: the aws-chunked decoder for the streaming payload modes (its length from
    /// <c>x-amz-decoded-content-length</c>), else the raw body with its Content-Length (null when the request has none).
    /// The caller disposes <c>Chunked</c>, which returns its pooled buffer.
    /// </summary>
    public static (Stream Body, long? Length, AwsChunkedStream? Chunked) Open(S3Request r)
    {
        if (r.Auth.IsStreaming)
        {
            var decoded = r.Header("x-amz-decoded-content-length");
            if (decoded is null)
            {
                throw new S3Exception(S3Errors.MissingContentLength);
            }

            if (!long.TryParse(decoded, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw new S3Exception(S3Errors.InvalidArgument, "x-amz-decoded-content-length is not a number.");
            }

            var chunked = new AwsChunkedStream(r.Request.Body, r.Auth, r.Header("x-amz-trailer"), length, r.Store.Buffers);
            return (chunked, length, chunked);
        }

        return (r.Request.Body, r.Request.ContentLength, null);
    }

    /// <summary>
    /// Reads an XML request document of at most <paramref name="maxBytes"/> (MaxMessageLengthExceeded past it),
    /// verifies it against the declared digests, and parses it (<see cref="S3Xml.Parse(Stream)"/>). An empty body is
    /// null, or MissingRequestBodyError when <paramref name="required"/>.
    /// </summary>
    /// <param name="r">The request.</param>
    /// <param name="maxBytes">The largest document accepted.</param>
    /// <param name="required">Whether the operation needs a document.</param>
    /// <param name="integrityRequired">
    /// Whether the operation needs a Content-MD5 or an <c>x-amz-checksum-*</c> (DeleteObjects, as S3 requires):
    /// InvalidRequest when the request has neither.
    /// </param>
    public static async Task<XElement?> ReadXmlAsync(S3Request r, int maxBytes, bool required, bool integrityRequired = false)
    {
        var digests = RequestDigests.FromRequest(r);
        if (integrityRequired && digests.Md5 is null && digests.Algorithm == Core.Hashing.ChecksumAlgorithm.None)
        {
            throw new S3Exception(S3Errors.InvalidRequest, "Missing required header for this request: Content-Md5.");
        }

        var (body, length, chunked) = Open(r);
        using var decoder = chunked;
        if (length > maxBytes)
        {
            throw new S3Exception(S3Errors.MaxMessageLengthExceeded);
        }

        using var hasher = digests.CreateHasher();
        var buffer = r.Store.Buffers.Rent(Math.Min(maxBytes, ReadSize));
        var total = 0;
        try
        {
            while (true)
            {
                var capacity = Math.Min(buffer.Length, maxBytes);
                if (total == capacity)
                {
                    if (capacity == maxBytes)
                    {
                        // Full: one more byte means too long.
                        var probe = new byte[1];
                        if (await body.ReadAsync(probe, r.Aborted).ConfigureAwait(false) > 0)
                        {
                            throw new S3Exception(S3Errors.MaxMessageLengthExceeded);
                        }

                        break;
                    }

                    var larger = r.Store.Buffers.Rent(Math.Min(maxBytes, buffer.Length * 2));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    r.Store.Buffers.Return(buffer);
                    buffer = larger;
                    continue;
                }

                var read = await body.ReadAsync(buffer.AsMemory(total, capacity - total), r.Aborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            if (length is { } declared && total != declared)
            {
                throw new S3Exception(S3Errors.IncompleteBody);
            }

            hasher.Append(buffer.AsSpan(0, total));
            digests.Verify(hasher, chunked);
            if (total == 0)
            {
                return required ? throw new S3Exception(S3Errors.MissingRequestBodyError) : null;
            }

            using var document = new MemoryStream(buffer, 0, total, writable: false);
            return S3Xml.Parse(document);
        }
        finally
        {
            r.Store.Buffers.Return(buffer);
        }
    }
}
