using System.Security.Cryptography;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// RS(4,2) over six disks survives any two lost disks: for every pair of the six disk directories, deleted or with
/// every fragment corrupted, every object of a populated store reads back bit-exact.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tessera-dur-" + Guid.NewGuid().ToString("N")[..10]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnyTwoDisksDeletedOrCorruptedLoseNothing()
    {
        var pristine = Path.Combine(_directory, "pristine");
        var objects = new Dictionary<string, string>();
        await using (var server = await ServerProcess.StartAsync(pristine))
        {
            using var s3 = server.CreateClient();
            await s3.PutBucketAsync("dur", Ct);
            var random = new Random(6);
            foreach (var size in new[] { 0, 1, 100, 4096, 65_537, 1_048_576, 2_500_001 })
            {
                for (var copy = 0; copy < 2; copy++)
                {
                    var body = new byte[size];
                    random.NextBytes(body);
                    var key = $"obj-{size}-{copy}";
                    await s3.PutObjectAsync(new PutObjectRequest { BucketName = "dur", Key = key, InputStream = new MemoryStream(body) }, Ct);
                    objects[key] = Convert.ToHexStringLower(MD5.HashData(body));
                }
            }
        }

        var pairs = from a in Enumerable.Range(1, 6) from b in Enumerable.Range(a + 1, 6 - a) select (a, b);
        foreach (var (a, b) in pairs)
        {
            // Alternate the fault: delete both directories, corrupt both, or one of each.
            var mode = (a + b) % 3;
            var work = Path.Combine(_directory, $"work-{a}-{b}");
            CopyDirectory(pristine, work);
            Damage(Path.Combine(work, $"disk{a}"), corrupt: mode != 0, new Random(a * 10 + b));
            Damage(Path.Combine(work, $"disk{b}"), corrupt: mode == 1, new Random(a * 100 + b));
            await using (var server = await ServerProcess.StartAsync(work))
            {
                using var s3 = server.CreateClient();
                foreach (var (key, md5) in objects)
                {
                    using var get = await s3.GetObjectAsync("dur", key, Ct);
                    using var buffer = new MemoryStream();
                    await get.ResponseStream.CopyToAsync(buffer, Ct);
                    Assert.True(md5 == Convert.ToHexStringLower(MD5.HashData(buffer.ToArray())), $"{key} differs with disks {a} and {b} damaged (mode {mode})");
                }
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Deletes the disk directory, or flips bytes in every block of every fragment file on it.</summary>
    private static void Damage(string disk, bool corrupt, Random random)
    {
        if (!corrupt)
        {
            Directory.Delete(disk, recursive: true);
            return;
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(disk, "fragments"), "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
            for (long at = 0; at < stream.Length; at += 65_536)
            {
                var position = Math.Min(stream.Length - 1, at + random.Next(65_536));
                stream.Position = position;
                var b = stream.ReadByte();
                stream.Position = position;
                stream.WriteByte((byte)(b ^ 0x5A));
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
