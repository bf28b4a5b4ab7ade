namespace Tessera.Tests;

/// <summary>Test helpers that build and compare stripes.</summary>
internal static class ShardBuffers
{
    public static Memory<byte>[] Random(Random random, int count, int length)
    {
        var shards = new Memory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            shards[i] = bytes;
        }

        return shards;
    }

    public static Memory<byte>[] Clone(Memory<byte>[] shards) =>
        shards.Select(s => (Memory<byte>)s.ToArray()).ToArray();

    public static void AssertEqual(Memory<byte>[] expected, Memory<byte>[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i].Span.SequenceEqual(actual[i].Span), $"shard {i} differs");
        }
    }
}
