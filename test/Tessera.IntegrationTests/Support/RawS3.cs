using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.IntegrationTests;

/// <summary>
/// Raw signed requests for what the SDK will not send as written (it sorts a CompleteMultipartUpload part list, for
/// one). A plain SigV4 signer: header auth, UNSIGNED-PAYLOAD, host and x-amz-* headers signed.
/// </summary>
public static class RawS3
{
    public static async Task<(int Status, string Body)> SendAsync(Uri endpoint, HttpMethod method, string path, string query, string? body)
    {
        var (status, text, _) = await SendWithHeadersAsync(endpoint, method, path, query, body);
        return (status, text);
    }

    /// <summary>As <see cref="SendAsync"/>, with the response's headers (content headers included), by lower-cased name.</summary>
    public static async Task<(int Status, string Body, IReadOnlyDictionary<string, string> Headers)> SendWithHeadersAsync(Uri endpoint, HttpMethod method, string path, string query, string? body)
    {
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = $"{endpoint.Host}:{endpoint.Port}";
        var canonicalQuery = string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Contains('=', StringComparison.Ordinal) ? p : p + "=")
            .Order(StringComparer.Ordinal));
        var canonical = $"{method.Method}\n{path}\n{canonicalQuery}\nhost:{host}\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:{amzDate}\n\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD";
        var scope = $"{date}/us-east-1/s3/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + StoreFixture.RootSecret);
        foreach (var part in new[] { date, "us-east-1", "s3", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(endpoint, path + "?" + query));
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={StoreFixture.RootKey}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/xml");
        }

        using var response = await http.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value), StringComparer.Ordinal);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), headers);
    }
}
