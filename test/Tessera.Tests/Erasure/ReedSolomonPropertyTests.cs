using CsCheck;
using Tessera.Erasure;

namespace Tessera.Tests.Erasure;

/// <summary>
/// Random codes, shard lengths and erasure patterns: encode, drop shards, reconstruct, compare. Lengths are biased
/// towards the small and odd ones that exercise the kernels' tails and the scalar fallback.
/// </summary>
public sealed class ReedSolomonPropertyTests
{
    private static readonly Gen<(int K, int M, int Length, int Seed)> Cases =
        Gen.Select(
            Gen.Frequency((6, Gen.Int[1, 20]), (1, Gen.Int[21, 120])),
            Gen.Frequency((6, Gen.Int[1, 6]), (1, Gen.Int[7, 40])),
            Gen.Frequency((3, Gen.Int[0, 70]), (3, Gen.Int[71, 600]), (1, Gen.Int[601, 20_000])),
            Gen.Int)
        .Where(t => t.Item1 + t.Item2 <= ReedSolomon.MaxTotalShards);

    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void ReconstructAfterUpToMErasuresReturnsTheOriginal(CodecPath path, bool emulated)
    {
        Cases.Sample(
            c =>
            {
                var random = new Random(c.Seed);
                var rs = new ReedSolomon(c.K, c.M, path, emulated);
                var original = ShardBuffers.Random(random, c.K + c.M, c.Length);
                rs.Encode(original);
                var shards = ShardBuffers.Clone(original);
                var present = Enumerable.Repeat(true, c.K + c.M).ToArray();
                var lose = random.Next(c.M + 1);
                foreach (var i in Enumerable.Range(0, c.K + c.M).OrderBy(_ => random.Next()).Take(lose))
                {
                    present[i] = false;
                    random.NextBytes(shards[i].Span);
                }

                rs.Reconstruct(shards, present);
                for (var i = 0; i < shards.Length; i++)
                {
                    if (!shards[i].Span.SequenceEqual(original[i].Span))
                    {
                        return false;
                    }
                }

                return rs.Verify(shards);
            },
            iter: 300);
    }

    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void MoreThanMErasuresIsAnError(CodecPath path, bool emulated)
    {
        Cases.Where(c => c.K > 1).Sample(
            c =>
            {
                var random = new Random(c.Seed);
                var rs = new ReedSolomon(c.K, c.M, path, emulated);
                var shards = ShardBuffers.Random(random, c.K + c.M, c.Length);
                rs.Encode(shards);
                var present = Enumerable.Repeat(true, c.K + c.M).ToArray();
                var lose = c.M + 1 + random.Next(c.K);
                foreach (var i in Enumerable.Range(0, c.K + c.M).OrderBy(_ => random.Next()).Take(lose))
                {
                    present[i] = false;
                }

                try
                {
                    rs.Reconstruct(shards, present);
                    return false;
                }
                catch (TooFewShardsException e)
                {
                    return e.Present == c.K + c.M - lose && e.Needed == c.K;
                }
            },
            iter: 100);
    }

    [Fact]
    public void AllPathsProduceIdenticalBytes()
    {
        Cases.Sample(
            c =>
            {
                var random = new Random(c.Seed);
                var reference = ShardBuffers.Random(random, c.K + c.M, c.Length);
                new ReedSolomon(c.K, c.M, CodecPath.Scalar).Encode(reference);
                foreach (var (path, emulated) in CodecPathData.Runnable)
                {
                    var shards = ShardBuffers.Clone(reference);
                    for (var r = c.K; r < c.K + c.M; r++)
                    {
                        shards[r].Span.Fill(0xA5);
                    }

                    new ReedSolomon(c.K, c.M, path, emulated).Encode(shards);
                    for (var r = c.K; r < c.K + c.M; r++)
                    {
                        if (!shards[r].Span.SequenceEqual(reference[r].Span))
                        {
                            return false;
                        }
                    }
                }

                return true;
            },
            iter: 200);
    }
}
