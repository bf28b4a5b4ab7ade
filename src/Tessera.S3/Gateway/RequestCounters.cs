namespace Tessera.S3.Gateway;

/// <summary>
/// Requests answered since start, by <see cref="S3Operation"/>: how many, how many were client errors (4xx) and how
/// many server errors (5xx). The admin API's status shows them. Lock-free: one slot per operation.
/// </summary>
public sealed class RequestCounters
{
    private static readonly int Count = Enum.GetValues<S3Operation>().Length;

    private readonly long[] _requests = new long[Count];
    private readonly long[] _clientErrors = new long[Count];
    private readonly long[] _serverErrors = new long[Count];

    /// <summary>Counts one answered request.</summary>
    public void Record(S3Operation operation, int status)
    {
        var i = (int)operation;
        Interlocked.Increment(ref _requests[i]);
        if (status >= 500)
        {
            Interlocked.Increment(ref _serverErrors[i]);
        }
        else if (status >= 400)
        {
            Interlocked.Increment(ref _clientErrors[i]);
        }
    }

    /// <summary>The operations seen so far with their counts (requests, 4xx, 5xx), in the enum's order.</summary>
    public IReadOnlyList<(S3Operation Operation, long Requests, long ClientErrors, long ServerErrors)> Snapshot()
    {
        var rows = new List<(S3Operation, long, long, long)>();
        for (var i = 0; i < Count; i++)
        {
            var requests = Interlocked.Read(ref _requests[i]);
            if (requests > 0)
            {
                rows.Add(((S3Operation)i, requests, Interlocked.Read(ref _clientErrors[i]), Interlocked.Read(ref _serverErrors[i])));
            }
        }

        return rows;
    }
}
