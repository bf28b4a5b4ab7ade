using Tessera.Erasure;

namespace Tessera.Tests.Erasure;

public sealed class ReedSolomonTests
{
    /// <summary>Parity computed straight from the definition: p_r = XOR_c G[k + r, c] · d_c, with the slow multiply.</summary>
    private static byte[][] ReferenceParity(ReedSolomon rs, Memory<byte>[] shards)
    {
        var length = shards[0].Length;
        var parity = new byte[rs.ParityShards][];
        for (var r = 0; r < rs.ParityShards; r++)
        {
            parity[r] = new byte[length];
            for (var c = 0; c < rs.DataShards; c++)
            {
                var coefficient = rs.GeneratorCoefficient(rs.DataShards + r, c);
                var data = shards[c].Span;
                for (var p = 0; p < length; p++)
                {
                    parity[r][p] ^= GaloisFieldTests.SlowMultiply(coefficient, data[p]);
                }
            }
        }

        return parity;
    }

    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void EncodeMatchesTheDefinitionOnEveryPath(CodecPath path, bool emulated)
    {
        var random = new Random(1234);
        int[] lengths = [0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 255, 1000, 4096, 4099, 40_000];
        (int K, int M)[] codes = [(1, 1), (2, 1), (3, 2), (4, 2), (6, 3), (5, 5), (8, 4), (10, 4), (12, 4), (17, 3), (3, 9)];
        foreach (var (k, m) in codes)
        {
            var rs = new ReedSolomon(k, m, path, emulated);
            foreach (var length in lengths)
            {
                var shards = ShardBuffers.Random(random, k + m, length);
                rs.Encode(shards);
                var expected = ReferenceParity(rs, shards);
                for (var r = 0; r < m; r++)
                {
                    Assert.True(expected[r].AsSpan().SequenceEqual(shards[k + r].Span), $"RS({k},{m}) len {length} parity {r} on {path}{(emulated ? " (emulated)" : "")}");
                }
            }
        }
    }

    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void PointerEncodeMatchesMemoryEncode(CodecPath path, bool emulated)
    {
        var random = new Random(99);
        var rs = new ReedSolomon(6, 3, path, emulated);
        const int Length = 10_000 + 13;
        var viaMemory = ShardBuffers.Random(random, 9, Length);
        rs.Encode(viaMemory);

        var block = GC.AllocateArray<byte>(9 * Length, pinned: true);
        for (var i = 0; i < 6; i++)
        {
            viaMemory[i].Span.CopyTo(block.AsSpan(i * Length));
        }

        unsafe
        {
            fixed (byte* b = block)
            {
                Span<nint> addresses = stackalloc nint[9];
                for (var i = 0; i < 9; i++)
                {
                    addresses[i] = (nint)(b + (i * Length));
                }

                rs.Encode(addresses, Length);
            }
        }

        for (var i = 0; i < 9; i++)
        {
            Assert.True(viaMemory[i].Span.SequenceEqual(block.AsSpan(i * Length, Length)), $"shard {i}");
        }
    }

    /// <summary>
    /// Shards of 256 KiB and more take the kernels' streaming loops (prefetching; the GFNI kernel's one-vector
    /// unrolled loop for up to eight inputs, the AVX2 kernel's prefetch from 13 inputs), which shorter shards never
    /// reach: parity against the scalar path, then reconstruction of m lost data shards.
    /// </summary>
    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void ShardsThatStreamFromMemoryEncodeAndReconstructOnEveryPath(CodecPath path, bool emulated)
    {
        var random = new Random(2026);
        foreach (var (k, m) in new[] { (8, 4), (17, 3) })
        {
            const int Length = (256 * 1024) + 77;
            var rs = new ReedSolomon(k, m, path, emulated);
            var original = ShardBuffers.Random(random, k + m, Length);
            var reference = ShardBuffers.Clone(original);
            new ReedSolomon(k, m, CodecPath.Scalar).Encode(reference);
            rs.Encode(original);
            ShardBuffers.AssertEqual(reference, original);

            var shards = ShardBuffers.Clone(original);
            var present = Enumerable.Range(0, k + m).Select(i => i >= m).ToArray();
            for (var i = 0; i < m; i++)
            {
                shards[i].Span.Fill(0x5A);
            }

            rs.Reconstruct(shards, present);
            ShardBuffers.AssertEqual(original, shards);
        }
    }

    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void EveryErasurePatternOfRs42Reconstructs(CodecPath path, bool emulated)
    {
        var random = new Random(7);
        var rs = new ReedSolomon(4, 2, path, emulated);
        var original = ShardBuffers.Random(random, 6, 1031);
        rs.Encode(original);
        for (var mask = 0; mask < 64; mask++)
        {
            var lost = System.Numerics.BitOperations.PopCount((uint)mask);
            var shards = ShardBuffers.Clone(original);
            var present = new bool[6];
            for (var i = 0; i < 6; i++)
            {
                present[i] = (mask & (1 << i)) == 0;
                if (!present[i])
                {
                    shards[i].Span.Fill(0xEE);
                }
            }

            if (lost <= 2)
            {
                rs.Reconstruct(shards, present);
                ShardBuffers.AssertEqual(original, shards);
            }
            else
            {
                var before = ShardBuffers.Clone(shards);
                var ex = Assert.Throws<TooFewShardsException>(() => rs.Reconstruct(shards, present));
                Assert.Equal(6 - lost, ex.Present);
                Assert.Equal(4, ex.Needed);
                Assert.False(rs.TryReconstruct(shards, present, dataOnly: false));
                ShardBuffers.AssertEqual(before, shards);
            }
        }
    }

    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void ReconstructDataLeavesParityAlone(CodecPath path, bool emulated)
    {
        var random = new Random(11);
        var rs = new ReedSolomon(5, 3, path, emulated);
        var original = ShardBuffers.Random(random, 8, 333);
        rs.Encode(original);
        var shards = ShardBuffers.Clone(original);
        bool[] present = [true, false, true, false, true, true, false, true];
        shards[1].Span.Clear();
        shards[3].Span.Clear();
        shards[6].Span.Fill(0x55);
        rs.ReconstructData(shards, present);
        Assert.True(shards[1].Span.SequenceEqual(original[1].Span));
        Assert.True(shards[3].Span.SequenceEqual(original[3].Span));
        Assert.All(shards[6].ToArray(), b => Assert.Equal(0x55, b));
    }

    [Theory]
    [ClassData(typeof(CodecPathData))]
    public void VerifyDetectsAnyCorruptedByte(CodecPath path, bool emulated)
    {
        var random = new Random(5);
        var rs = new ReedSolomon(4, 2, path, emulated);
        foreach (var length in new[] { 1, 100, 16 * 1024, (40 * 1024) + 3 })
        {
            var shards = ShardBuffers.Random(random, 6, length);
            rs.Encode(shards);
            Assert.True(rs.Verify(shards));
            for (var trial = 0; trial < 12; trial++)
            {
                var shard = random.Next(6);
                var at = random.Next(length);
                shards[shard].Span[at] ^= (byte)(1 + random.Next(255));
                Assert.False(rs.Verify(shards), $"corruption of shard {shard} at {at} of {length} not seen");
                rs.Encode(shards);
                Assert.True(rs.Verify(shards));
            }
        }
    }

    [Fact]
    public void LargestCodeRoundTrips()
    {
        var random = new Random(3);
        var rs = new ReedSolomon(200, 56);
        var original = ShardBuffers.Random(random, 256, 77);
        rs.Encode(original);
        var shards = ShardBuffers.Clone(original);
        var present = Enumerable.Repeat(true, 256).ToArray();
        foreach (var i in Enumerable.Range(0, 256).OrderBy(_ => random.Next()).Take(56))
        {
            present[i] = false;
            shards[i].Span.Clear();
        }

        rs.Reconstruct(shards, present);
        ShardBuffers.AssertEqual(original, shards);
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomon(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomon(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomon(200, 57));
        var rs = new ReedSolomon(2, 1);
        Assert.Throws<ArgumentException>(() => rs.Encode(new Memory<byte>[] { new byte[4], new byte[4] }));
        Assert.Throws<ArgumentException>(() => rs.Encode(new Memory<byte>[] { new byte[4], new byte[5], new byte[4] }));
        Assert.Throws<ArgumentException>(() => rs.Reconstruct(new Memory<byte>[] { new byte[4], new byte[4], new byte[4] }, new bool[2]));
    }

    [Fact]
    public void HotPathsDoNotAllocateOnceWarm()
    {
        var random = new Random(8);
        var rs = new ReedSolomon(8, 4);
        var shards = ShardBuffers.Random(random, 12, 4 * 1024);
        bool[] present = [true, false, true, true, false, true, true, true, true, false, true, false];
        for (var i = 0; i < 50; i++)
        {
            rs.Encode(shards);
            rs.Reconstruct(shards, present);
        }

        // Tiering may still allocate a little once in the runtime; a per-call allocation would cost at least
        // 24 bytes a call, so fewer bytes than calls proves there is none.
        const int Calls = 2000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls / 2; i++)
        {
            rs.Encode(shards);
            rs.Reconstruct(shards, present);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Calls, $"{allocated} bytes allocated over {Calls} calls");
    }

    [Fact]
    public void OutputMatchesIsaLCauchyGenerator()
    {
        // ISA-L's gf_gen_cauchy1_matrix: row i >= k, column j is 1 / (i ^ j). Spot-check the documented formula.
        var rs = new ReedSolomon(10, 4);
        for (var i = 10; i < 14; i++)
        {
            for (var j = 0; j < 10; j++)
            {
                Assert.Equal(1, GaloisField.Multiply(rs.GeneratorCoefficient(i, j), (byte)(i ^ j)));
            }
        }

        for (var i = 0; i < 10; i++)
        {
            for (var j = 0; j < 10; j++)
            {
                Assert.Equal(i == j ? 1 : 0, rs.GeneratorCoefficient(i, j));
            }
        }
    }
}
