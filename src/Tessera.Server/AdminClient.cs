using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tessera.Server;

/// <summary>
/// Calls the admin API (<c>/_tessera/admin/v1/</c>) of a running store, signing each request with AWS Signature
/// Version 4 (header auth, <c>UNSIGNED-PAYLOAD</c>; the admin API takes its parameters in the query).
/// </summary>
internal sealed class AdminClient(HttpClient http, Uri endpoint, string accessKey, string secretKey, string region)
{
    private const string Service = "s3";
    private const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    private static readonly TimeSpan NoCoordinatorPatience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NoCoordinatorRetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Sends one admin call; returns the HTTP status and the JSON body. A 503 NoCoordinator is sent again for up to 30 s.
    /// </summary>
    public async Task<(int Status, JsonDocument Body)> SendAsync(
        HttpMethod method, string operation, IEnumerable<KeyValuePair<string, string>> query, CancellationToken cancellationToken)
    {
        // A cluster answers 503 NoCoordinator before doing anything while its coordinator changes (an election under
        // way, or the node asked and the one it forwarded to disagree for a moment): the call is safe to repeat.
        var pairs = query.ToList();
        var giveUp = DateTime.UtcNow + NoCoordinatorPatience;
        while (true)
        {
            var (status, body) = await SendOnceAsync(method, operation, pairs, cancellationToken).ConfigureAwait(false);
            if (status != 503 || DateTime.UtcNow >= giveUp
                || !body.RootElement.TryGetProperty("code", out var code) || code.GetString() != "NoCoordinator")
            {
                return (status, body);
            }

            body.Dispose();
            await Task.Delay(NoCoordinatorRetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(int Status, JsonDocument Body)> SendOnceAsync(
        HttpMethod method, string operation, List<KeyValuePair<string, string>> query, CancellationToken cancellationToken)
    {
        var path = "/_tessera/admin/v1/" + string.Join('/', operation.Split('/').Select(Uri.EscapeDataString));
        var canonicalQuery = string.Join('&', query
            .Select(p => (Key: Uri.EscapeDataString(p.Key), Value: Uri.EscapeDataString(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = endpoint.Authority;
        var signedHeaders = "host;x-amz-content-sha256;x-amz-date";
        var canonical = $"{method.Method}\n{path}\n{canonicalQuery}\nhost:{host}\nx-amz-content-sha256:{UnsignedPayload}\nx-amz-date:{amzDate}\n\n{signedHeaders}\n{UnsignedPayload}";
        var scope = $"{date}/{region}/{Service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in new[] { date, region, Service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        var target = new Uri(endpoint, path + (canonicalQuery.Length > 0 ? "?" + canonicalQuery : ""));
        using var request = new HttpRequestMessage(method, target);
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", UnsignedPayload);
        request.Headers.TryAddWithoutValidation(
            "Authorization", $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (!(response.Content.Headers.ContentType?.MediaType ?? "").Contains("json", StringComparison.Ordinal))
        {
            // An S3 error (authentication, access): XML. Wrap its code and message.
            var code = Between(body, "<Code>", "</Code>") ?? status.ToString(CultureInfo.InvariantCulture);
            var message = Between(body, "<Message>", "</Message>") ?? body;
            return (status, JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["code"] = code, ["message"] = message }, ConfigJson.Default.DictionaryStringString)));
        }

        return (status, JsonDocument.Parse(body));
    }

    private static string? Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = from < 0 ? -1 : text.IndexOf(end, from, StringComparison.Ordinal);
        return to < 0 ? null : text[(from + start.Length)..to];
    }
}
