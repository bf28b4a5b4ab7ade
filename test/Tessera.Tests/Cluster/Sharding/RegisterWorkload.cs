using System.Diagnostics;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using Tessera.Linearizability;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>What one run of the <see cref="RegisterWorkload"/> recorded.</summary>
/// <param name="History">Every operation, indeterminate ones (timeouts, 503s) included.</param>
/// <param name="Succeeded">Operations that got an answer.</param>
/// <param name="Indeterminate">Operations whose outcome is unknown.</param>
/// <param name="CacheHits">GETs the witness caches answered.</param>
/// <param name="QuorumReadsPerGet">(witness Txns + manifest reads) per GET.</param>
/// <param name="Summary">A line for the log.</param>
internal sealed record RegisterRun(IReadOnlyList<Operation<RegisterInput, RegisterOutput>> History, int Succeeded, int Indeterminate, long CacheHits, double QuorumReadsPerGet, string Summary);

/// <summary>
/// The register workload of issue 16: clients spread over gateways do GET, PUT, If-Match and If-None-Match PUTs and
/// DELETEs on a few keys at a steady rate, recorded on one monotonic clock for <see cref="LinearizabilityChecker"/> with
/// <see cref="RegisterModel"/>. A call that throws (a timeout, 503) is an indeterminate operation.
/// </summary>
internal static class RegisterWorkload
{
    /// <summary>Runs <paramref name="clients"/> clients over <paramref name="gateways"/> on <paramref name="keys"/> of <paramref name="bucket"/> while <paramref name="keepGoing"/> says so.</summary>
    /// <param name="gateways">Client c uses gateway c mod count.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="keys">The keys (fresh: the model starts each absent).</param>
    /// <param name="keepGoing">Asked before each operation.</param>
    /// <param name="seed">Client c draws from <c>new Random(seed + c)</c>.</param>
    /// <param name="clients">How many clients.</param>
    /// <param name="getPercent">The share of GETs; the rest are PUTs, If-Match PUTs, If-None-Match PUTs and DELETEs.</param>
    /// <param name="maxDelayMs">Each client pauses 5 to this many ms between operations.</param>
    public static async Task<RegisterRun> RunAsync(
        IReadOnlyList<WitnessCachedIndexStore> gateways, string bucket, IReadOnlyList<string> keys, Func<bool> keepGoing, int seed, int clients = 10, int getPercent = 45, int maxDelayMs = 25)
    {
        var recorder = new HistoryRecorder<RegisterInput, RegisterOutput>();
        int succeeded = 0, indeterminate = 0;
        var txnsBefore = gateways.Sum(g => g.Witness.Txns);
        var hitsBefore = gateways.Sum(g => g.Hits);
        var missesBefore = gateways.Sum(g => g.Misses);

        // Each client on a thread of its own (LongRunning): the index calls block, and 30 of them on pool threads starve the
        // pool that answers them.
        var workers = Enumerable.Range(0, clients).Select(c => Task.Factory.StartNew(async () =>
        {
            var random = new Random(seed + c);
            var index = gateways[c % gateways.Count];
            var lastSeen = new Dictionary<string, string>();
            for (var n = 0; keepGoing(); n++)
            {
                var key = keys[random.Next(keys.Count)];
                var value = $"c{c}-{n}";
                var roll = random.Next(100);
                var input = roll < getPercent ? RegisterInput.Get(key)
                    : roll < getPercent + ((100 - getPercent) * 25 / 55) ? RegisterInput.Put(key, value)
                    : roll < 85 && lastSeen.TryGetValue(key, out var seen) ? RegisterInput.PutIfMatch(key, seen, value)
                    : roll < 95 ? RegisterInput.PutIfNoneMatch(key, value)
                    : RegisterInput.Delete(key);
                var pending = recorder.Begin(c, input);
                try
                {
                    var output = Apply(index, bucket, input, lastSeen);
                    pending.Complete(output);
                    Interlocked.Increment(ref succeeded);
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    // A timeout or an unavailable index: the operation may or may not have taken effect.
                    pending.GiveUp();
                    Interlocked.Increment(ref indeterminate);
                }

                await Task.Delay(random.Next(Math.Min(5, maxDelayMs), maxDelayMs + 1), Within.Ct);
            }
        }, Within.Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();
        await Task.WhenAll(workers);

        var txns = gateways.Sum(g => g.Witness.Txns) - txnsBefore;
        var hits = gateways.Sum(g => g.Hits) - hitsBefore;
        var misses = gateways.Sum(g => g.Misses) - missesBefore;
        var gets = hits + misses;
        var perGet = gets == 0 ? 0 : (double)(txns + misses) / gets;
        var summary = $"{recorder.Operations.Count} operations, {succeeded} succeeded, {indeterminate} indeterminate; {gets} GETs: {hits} from the cache, "
            + $"{misses} read the manifest, {txns} witness Txns: {perGet:F2} quorum reads per GET (1.00 without the cache)";
        return new RegisterRun(recorder.Operations, succeeded, indeterminate, hits, perGet, summary);
    }

    /// <summary>Runs for <paramref name="duration"/> from now.</summary>
    public static Task<RegisterRun> RunAsync(
        IReadOnlyList<WitnessCachedIndexStore> gateways, string bucket, IReadOnlyList<string> keys, TimeSpan duration, int seed, int clients = 10, int getPercent = 45, int maxDelayMs = 25)
    {
        var clock = Stopwatch.StartNew();
        return RunAsync(gateways, bucket, keys, () => clock.Elapsed < duration, seed, clients, getPercent, maxDelayMs);
    }

    /// <summary>Whether <paramref name="input"/> writes (everything but a GET).</summary>
    public static bool IsWrite(RegisterInput input) => input.Kind != RegisterOperation.Get;

    private static RegisterOutput Apply(IIndexStore index, string bucket, RegisterInput input, Dictionary<string, string> lastSeen)
    {
        switch (input.Kind)
        {
            case RegisterOperation.Get:
                var read = index.GetObject(bucket, input.Key)?.ETag;
                if (read is not null)
                {
                    lastSeen[input.Key] = read;
                }

                return RegisterOutput.Read(read);
            case RegisterOperation.Delete:
                index.DeleteObject(bucket, input.Key);
                return RegisterOutput.Ok;
            default:
                var condition = input.Kind switch
                {
                    RegisterOperation.PutIfMatch => new WriteCondition(IfMatchETag: input.Expected),
                    RegisterOperation.PutIfNoneMatch => new WriteCondition(IfNoneMatchAny: true),
                    _ => default,
                };
                var status = index.PutObject(bucket, StoreFixture.Manifest(input.Key, etag: input.Value!), condition).Status;
                return status switch
                {
                    PutObjectStatus.Committed => RegisterOutput.Ok,
                    PutObjectStatus.PreconditionFailed => RegisterOutput.PreconditionFailed,
                    _ => throw new InvalidOperationException($"PutObject answered {status}."),
                };
        }
    }
}
