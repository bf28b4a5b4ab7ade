namespace Tessera.IntegrationTests;

/// <summary>Unique bucket names per test, so tests sharing a store never collide.</summary>
internal static class Names
{
    private static int _counter;

    public static string Bucket(string hint = "b") =>
        $"{hint}-{Environment.ProcessId % 10000}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
