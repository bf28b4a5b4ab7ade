using System.Security.Cryptography;

namespace Tessera.IntegrationTests;

/// <summary>Browser-upload (POST Object) forms for the tests.</summary>
public static class PostForms
{
    /// <summary>A browser-upload form signed with SigV4 the way the reference's example builds it.</summary>
    public static MultipartFormDataContent SigV4(string bucket, string conditions, (string Name, string Value)[] fields, byte[]? file, string fileName = "photo.jpg", string? secret = null)
    {
        var now = DateTimeOffset.UtcNow;
        var date = now.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var credential = $"{StoreFixture.RootKey}/{date}/us-east-1/s3/aws4_request";
        var expiration = now.AddMinutes(10).ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'", System.Globalization.CultureInfo.InvariantCulture);
        var policy = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $$"""{"expiration": "{{expiration}}", "conditions": [{"bucket": "{{bucket}}"}, {"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": "{{credential}}"}, {"x-amz-date": "{{amzDate}}"}, {{conditions}}]}"""));
        static byte[] Hmac(byte[] key, string text) => HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes(text));
        var key = Hmac(Hmac(Hmac(Hmac(System.Text.Encoding.UTF8.GetBytes("AWS4" + (secret ?? StoreFixture.RootSecret)), date), "us-east-1"), "s3"), "aws4_request");
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        form.Add(new StringContent("AWS4-HMAC-SHA256"), "x-amz-algorithm");
        form.Add(new StringContent(credential), "x-amz-credential");
        form.Add(new StringContent(amzDate), "x-amz-date");
        form.Add(new StringContent(policy), "policy");
        form.Add(new StringContent(Convert.ToHexStringLower(Hmac(key, policy))), "x-amz-signature");
        if (file is not null)
        {
            form.Add(new ByteArrayContent(file), "file", fileName);
        }

        return form;
    }
}
