using CsCheck;
using Tessera.Cluster.Storage;

namespace Tessera.Tests.Cluster;

/// <summary>The cluster secret's request MAC: what it covers, how long it lives, what it refuses.</summary>
public sealed class ClusterAuthenticatorTests
{
    private const string Secret = "0123456789abcdef-secret";
    private const string Path = "/_tessera/storage/v1/n1-disk1/fragments/x";

    [Fact]
    public void ASignatureVerifiesForItsMethodAndPathOnly()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var signer = new ClusterAuthenticator("n2", Secret, time);
        var verifier = new ClusterAuthenticator("n1", Secret, time);
        var header = signer.Sign("PUT", Path);

        Assert.Equal("n2", verifier.Verify(header, "PUT", Path));
        Assert.Null(verifier.Verify(header, "DELETE", Path));
        Assert.Null(verifier.Verify(header, "PUT", Path + "?x=1"));
        Assert.Null(verifier.Verify(header.Replace("n2:", "n3:", StringComparison.Ordinal), "PUT", Path));
        Assert.Null(new ClusterAuthenticator("n1", Secret + "x", time).Verify(header, "PUT", Path));
    }

    [Fact]
    public void ASignatureExpiresAfterTheSkewWindowEitherWay()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var header = new ClusterAuthenticator("n2", Secret, time).Sign("GET", Path);
        var verifier = new ClusterAuthenticator("n1", Secret, time);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("n2", verifier.Verify(header, "GET", Path));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(verifier.Verify(header, "GET", Path));
        time.Advance(TimeSpan.FromMinutes(-10) - TimeSpan.FromSeconds(2));
        Assert.Null(verifier.Verify(header, "GET", Path));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("n2")]
    [InlineData("n2:1:")]
    [InlineData("n2:x:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("n2:-1:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData(":1764763200:zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("n2:1764763200:0000000000000000000000000000000000000000000000000000000000000000:extra")]
    public void MalformedHeadersAreRefused(string? header) =>
        Assert.Null(new ClusterAuthenticator("n1", Secret).Verify(header, "GET", Path));

    [Fact]
    public void ArbitraryHeadersNeverThrowAndNeverPass()
    {
        // The header is the first thing the storage and index endpoints read from anyone who can reach the port.
        var verifier = new ClusterAuthenticator("n1", Secret);
        var valid = new ClusterAuthenticator("n2", Secret).Sign("GET", Path);
        Gen.OneOf(
                Gen.String,
                Gen.String[0, 600],
                Gen.Int[0, valid.Length - 1].SelectMany(i => Gen.Char.Select(c => valid[..i] + c + valid[(i + 1)..])),
                Gen.Int[0, valid.Length].Select(n => valid[..n]))
            .Sample(header => header == valid || verifier.Verify(header, "GET", Path) is null, iter: 20_000);
    }

    [Fact]
    public void AShortSecretIsRefused() =>
        Assert.Throws<ArgumentException>(() => new ClusterAuthenticator("n1", "short"));
}
