using System.Text;
using Tessera.Core.Hashing;

namespace Tessera.Tests.Core;

public sealed class ChecksumTests
{
    private static readonly byte[] Check = Encoding.ASCII.GetBytes("123456789");

    [Fact]
    public void Crc32CMatchesTheCatalogueCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.HashToUInt32(Check));
        var incremental = new Crc32C();
        incremental.Append(Check.AsSpan(0, 4));
        incremental.Append(Check.AsSpan(4));
        Assert.Equal([0xE3, 0x06, 0x92, 0x83], incremental.GetHashAndReset());
    }

    [Fact]
    public void Crc64NvmeMatchesTheCatalogueCheckValue()
    {
        Assert.Equal(0xAE8B14860A799888UL, Crc64Nvme.HashToUInt64(Check));
        var incremental = new Crc64Nvme();
        incremental.Append(Check.AsSpan(0, 5));
        incremental.Append(Check.AsSpan(5));
        Assert.Equal([0xAE, 0x8B, 0x14, 0x86, 0x0A, 0x79, 0x98, 0x88], incremental.GetHashAndReset());
    }

    [Fact]
    public void ObjectHasherEmitsS3ByteOrderForEveryAlgorithm()
    {
        using var crc32 = new ObjectHasher(ChecksumAlgorithm.Crc32, payloadSha256: false);
        crc32.Append(Check);
        Assert.Equal([0xCB, 0xF4, 0x39, 0x26], crc32.GetChecksum());

        using var sha = new ObjectHasher(ChecksumAlgorithm.Sha256, payloadSha256: true);
        sha.Append(Check);
        var payload = sha.GetSha256();
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(Check), payload);
        Assert.Equal(payload, sha.GetChecksum(payload));
        Assert.Equal(System.Security.Cryptography.MD5.HashData(Check), sha.GetMd5());
    }
}
