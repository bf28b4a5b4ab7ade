namespace Tessera.S3.Gateway;

/// <summary>Settings of the S3 front end.</summary>
public sealed class S3Options
{
    /// <summary>The region the store answers for and expects in signatures. Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>
    /// Domains under which virtual-hosted-style requests arrive: a Host of <c>bucket.example.com</c> addresses bucket
    /// <c>bucket</c> when <c>example.com</c> is listed. Default: <c>localhost</c>.
    /// </summary>
    public IReadOnlyList<string> Domains { get; set; } = ["localhost"];

    /// <summary>Largest single PUT in bytes (S3: 5 GiB).</summary>
    public long MaxObjectSize { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>Smallest size of every multipart part but the last (S3: 5 MiB; tests lower it).</summary>
    public long MinPartSize { get; set; } = 5L * 1024 * 1024;

    /// <summary>
    /// How long a request body may send nothing before the request fails with RequestTimeout and its connection is
    /// closed. Default 20 seconds (about S3's).
    /// </summary>
    public TimeSpan BodyIdleTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Request bodies read at once in the process; past it, 503 SlowDown. 0 = no cap. Default 256.</summary>
    public int MaxConcurrentUploads { get; set; } = 256;

    /// <summary>Request bodies read at once on one connection (HTTP/2 streams); past it, 503 SlowDown. 0 = no cap. Default 8.</summary>
    public int MaxUploadsPerConnection { get; set; } = 8;

    /// <summary>
    /// The length of a lifecycle "day": rule days are counted in it and due times round up to its multiples from the
    /// Unix epoch (midnight UTC for the default). Default 24 hours; tests shorten it (Ceph's rgw_lc_debug_interval).
    /// </summary>
    public TimeSpan LifecycleDay { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a RestoreObject waits before it copies the archived bytes (a simulated retrieval). Default none.</summary>
    public TimeSpan RestoreDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Multipart uploads one user may have in progress at once; past it, CreateMultipartUpload is 503 SlowDown. 0 = no cap. Default 10,000.</summary>
    public int MaxMultipartUploadsPerUser { get; set; } = 10_000;
}
