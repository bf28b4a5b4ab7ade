using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tessera.S3.Auth;

namespace Tessera.Tests;

/// <summary>Requests as Kestrel would hand them over: method, raw target and headers; and the AWS example credentials.</summary>
public static class AuthTestRequests
{
    public const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";
    public const string AmzDate = "20130524T000000Z";

    public static readonly DateTimeOffset ExampleTime = new(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);

    public static ICredentialProvider Credentials { get; } = new InMemoryCredentialProvider([new(AccessKey, SecretKey)]);

    public static SigV4Verifier Verifier(DateTimeOffset? now = null, string region = Region)
        => new(Credentials, new ManualTimeProvider(now ?? ExampleTime), region);

    public static HttpRequest Create(string method, string rawTarget, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        var question = rawTarget.IndexOf('?');
        request.Path = new PathString(Uri.UnescapeDataString(question < 0 ? rawTarget : rawTarget[..question]));
        request.QueryString = question < 0 ? QueryString.Empty : new QueryString(rawTarget[question..]);
        foreach (var (name, value) in headers)
        {
            request.Headers.Append(name, value);
        }

        return request;
    }
}
