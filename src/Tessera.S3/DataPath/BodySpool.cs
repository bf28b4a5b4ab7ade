using System.Buffers;
using Tessera.Core.Errors;

namespace Tessera.S3.DataPath;

/// <summary>
/// A body whose length is known only at its end (a browser form's file, a PUT with <c>Transfer-Encoding: chunked</c>
/// and no Content-Length), copied to a temporary file first: a segment's length must be known before its first
/// fragment is written. Memory stays one pooled buffer whatever the size; the file is deleted on close.
/// </summary>
internal static class BodySpool
{
    /// <summary>A new, empty temporary file, deleted when disposed.</summary>
    public static FileStream Create() =>
        new(Path.Combine(Path.GetTempPath(), "tessera-spool-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="spool"/> and rewinds it; stops, without reading the rest,
    /// once more than <paramref name="limit"/> bytes came (EntityTooLarge, or what <paramref name="tooLarge"/> throws).
    /// </summary>
    public static async Task FillAsync(Stream source, FileStream spool, long limit, ArrayPool<byte> buffers, Action<long>? tooLarge, CancellationToken cancellationToken)
    {
        var buffer = buffers.Rent(64 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    tooLarge?.Invoke(total);
                    throw new S3Exception(S3Errors.EntityTooLarge);
                }

                await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            spool.Position = 0;
        }
        finally
        {
            buffers.Return(buffer);
        }
    }
}
