using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>A store whose minimum multipart part size is 1 byte, so a 10,000-part upload stays small.</summary>
public sealed class SmallPartStoreFixture : StoreFixture
{
    protected override void Configure(ServerOptions options) => options.MinPartSize = 1;
}
