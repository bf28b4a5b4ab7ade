using Amazon.Runtime;
using Amazon.S3;
using Tessera.Core.Buffers;
using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>
/// A real Tessera server on a loopback port over a fresh temporary data directory (six disks), with the root user
/// and a second user, and AWSSDK.S3 clients at their default settings (so uploads use aws-chunked bodies with
/// trailing checksums). Its data path draws buffers from a <see cref="DiagnosticArrayPool"/>: a fixture whose tests
/// returned a buffer twice, wrote one after returning it, or never returned one fails when it is disposed.
/// </summary>
public class StoreFixture : IAsyncLifetime, IS3Target
{
    public const string RootKey = "TESSERAROOTKEY000001";
    public const string RootSecret = "root-secret-key-for-the-integration-tests";
    public const string AliceKey = "ALICEKEY000000000001";
    public const string AliceSecret = "alice-secret-key-for-the-integration-tests";

    private readonly List<AmazonS3Client> _clients = [];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "tessera-it-" + Guid.NewGuid().ToString("N")[..12]);

    public TesseraServer Server { get; private set; } = null!;

    /// <summary>The pool every pooled buffer of the server's data path comes from.</summary>
    public DiagnosticArrayPool Buffers { get; } = new();

    public AmazonS3Client Client { get; private set; } = null!;

    public AmazonS3Client Alice { get; private set; } = null!;

    public virtual async ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var users = Path.Combine(Directory, "users.json");
        await File.WriteAllTextAsync(users, $$"""[{"accessKey": "{{AliceKey}}", "secretKey": "{{AliceSecret}}", "displayName": "alice"}]""");
        var options = new ServerOptions
        {
            Address = "127.0.0.1:0",
            Disks = [new DiskOptions { Path = Path.Combine(Directory, "data") }],
            RootUser = RootKey,
            RootPassword = RootSecret,
            UsersFile = users,
            GarbageGraceSeconds = 3600,
            Quiet = true,
        };
        Configure(options);
        Server = await TesseraServer.StartAsync(options, buffers: Buffers);
        Client = CreateClient(RootKey, RootSecret);
        Alice = CreateClient(AliceKey, AliceSecret);
    }

    /// <summary>Lets a derived fixture change settings before the server starts.</summary>
    protected virtual void Configure(ServerOptions options)
    {
    }

    public AmazonS3Client CreateClient(string accessKey, string secretKey)
    {
        var client = new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
        {
            ServiceURL = Server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        _clients.Add(client);
        return client;
    }

    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The fragment files of <paramref name="segment"/> on the embedded default's disks.</summary>
    public List<FileInfo> FragmentFiles(Guid segment) =>
        [.. System.IO.Directory.EnumerateDirectories(DataDirectory, "disk*")
            .Select(d => Path.Combine(d, "fragments", segment.ToString("N")[..2]))
            .Where(System.IO.Directory.Exists)
            .SelectMany(d => System.IO.Directory.EnumerateFiles(d, segment.ToString("N") + ".*"))
            .Select(f => new FileInfo(f))];

    public Uri Endpoint => Server.Endpoint;

    public Uri AliceEndpoint => Server.Endpoint;

    public IReadOnlyList<string> DataDirectories => [DataDirectory];

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }

        await Server.DisposeAsync();
        var problems = Buffers.Check(expectAllReturned: true);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        Assert.True(problems.Count == 0, $"{problems.Count} pooled buffer problems ({Buffers.Rents} rents):{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(5))}");
    }
}
