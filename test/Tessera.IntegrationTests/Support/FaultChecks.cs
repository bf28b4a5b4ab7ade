using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// The checks of a fault test, shared by the test and its negative control so that the control shows the very code
/// that passes can fail: objects whose content follows from their key, read back through random gateways; the
/// listing against what clients were told; the longest stretch without an acknowledged write.
/// </summary>
internal static class FaultChecks
{
    public const int MinSize = 1024;
    public const int MaxSize = 300 * 1024;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The body written under <paramref name="key"/>: its size (1 KiB–300 KiB) and bytes follow from the key alone.</summary>
    public static byte[] Content(string key)
    {
        var seed = BitConverter.ToInt32(MD5.HashData(Encoding.UTF8.GetBytes(key)));
        var random = new Random(seed);
        var bytes = new byte[random.Next(MinSize, MaxSize + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The quoted MD5 ETag a single PUT of <paramref name="body"/> must return.</summary>
    public static string ETag(byte[] body) => "\"" + Convert.ToHexStringLower(MD5.HashData(body)) + "\"";

    /// <summary>
    /// Reads every key in <paramref name="keys"/> through a gateway picked at random and returns those that cannot be
    /// read or differ from <see cref="Content"/>, each with what was wrong (4 readers at a time).
    /// </summary>
    public static async Task<IReadOnlyList<(string Key, string Problem)>> FindUnreadableAsync(
        IReadOnlyList<AmazonS3Client> gateways, string bucket, IEnumerable<string> keys, int seed, CancellationToken cancellationToken)
    {
        var problems = new ConcurrentBag<(string, string)>();
        var queue = new ConcurrentQueue<string>(keys);
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            var random = new Random(seed + r);
            while (queue.TryDequeue(out var key))
            {
                if (await ReadProblemAsync(gateways[random.Next(gateways.Count)], bucket, key, cancellationToken) is { } problem)
                {
                    problems.Add((key, problem));
                }
            }
        }, cancellationToken));
        await Task.WhenAll(readers);
        return [.. problems.OrderBy(p => p.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Every key of <paramref name="bucket"/> (ListObjectsV2, page by page).</summary>
    public static async Task<List<string>> ListAsync(AmazonS3Client client, string bucket, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token }, cancellationToken);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    /// <summary>
    /// The longest time within [<paramref name="from"/>, <paramref name="to"/>] during which no acknowledged
    /// operation of <paramref name="operations"/> completed, counting from <paramref name="from"/> to the first
    /// completion and from the last one to <paramref name="to"/>.
    /// </summary>
    public static TimeSpan LongestGap(IEnumerable<StormOperation> operations, TimeSpan from, TimeSpan to)
    {
        var longest = TimeSpan.Zero;
        var previous = from;
        foreach (var end in operations.Where(o => o.Outcome == StormOutcome.Acknowledged && o.End >= from && o.End <= to).Select(o => o.End).Order())
        {
            longest = end - previous > longest ? end - previous : longest;
            previous = end;
        }

        return to - previous > longest ? to - previous : longest;
    }

    private static async Task<string?> ReadProblemAsync(AmazonS3Client client, string bucket, string key, CancellationToken cancellationToken)
    {
        var expected = Content(key);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            using var get = await client.GetObjectAsync(bucket, key, timeout.Token);
            using var buffer = new MemoryStream();
            await get.ResponseStream.CopyToAsync(buffer, timeout.Token);
            return buffer.Length != expected.Length ? $"{buffer.Length} bytes instead of {expected.Length}"
                : !expected.AsSpan().SequenceEqual(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) ? "different bytes"
                : null;
        }
        catch (AmazonServiceException e) when (e.StatusCode != 0)
        {
            return $"{(int)e.StatusCode} {e.ErrorCode}";
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or HttpRequestException or IOException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"no answer: {e.GetType().Name} {e.Message}";
        }
    }
}
