using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Tessera.S3.Operations;

/// <summary>
/// S3 version ids: 32 characters, unique, and ordered by creation time: 12 hex digits of Unix milliseconds, 4 of
/// a per-process counter (ties within a millisecond), 16 random. The index orders versions by its own sequence;
/// the time order of ids is for people and tools reading them.
/// </summary>
internal static class VersionIds
{
    private static int _counter;

    /// <summary>A new version id for a write at <paramref name="now"/>.</summary>
    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ((ulong)now.ToUnixTimeMilliseconds() << 16) | (ushort)Interlocked.Increment(ref _counter));
        RandomNumberGenerator.Fill(bytes[8..]);
        return Convert.ToHexStringLower(bytes);
    }
}
