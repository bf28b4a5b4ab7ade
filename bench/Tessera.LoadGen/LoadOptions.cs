using System.Globalization;

namespace Tessera.LoadGen;

/// <summary>The command line, parsed and validated. Every run is bounded: by <see cref="Duration"/>, <see cref="Count"/> or both.</summary>
public sealed class LoadOptions
{
    public const string Usage = """
        tessera-loadgen --op put|get|mkbucket|httpget|disk [options]
          --endpoint URL        S3 endpoint (default http://127.0.0.1:9000)
          --access-key KEY      default $TESSERA_ROOT_USER, then $AWS_ACCESS_KEY_ID
          --secret-key SECRET   default $TESSERA_ROOT_PASSWORD, then $AWS_SECRET_ACCESS_KEY
          --region REGION       SigV4 region (default us-east-1)
          --bucket NAME         bucket (default bench)
          --size BYTES          object or file size; suffixes KiB, MiB, GiB, K, M, G (default 4KiB)
          --concurrency N       requests in flight (default 8)
          --duration SECONDS    stop starting requests after this long
          --count N             stop after N requests (default: 10 s duration when neither is given)
          --objects N           GET cycles over keys obj-0..obj-(N-1) (default 1000); PUT wraps at N only when given
          --url URL             httpget: the URL to load (no signing)
          --dir D1,D2,...       disk: directories to write fsynced files into, spread round-robin
          --json                print the result as one JSON object on stdout (the text line goes to stderr)
        """;

    public string Op { get; private set; } = "";

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:9000");

    public string AccessKey { get; private set; } = "";

    public string SecretKey { get; private set; } = "";

    public string Region { get; private set; } = "us-east-1";

    public string Bucket { get; private set; } = "bench";

    public int Size { get; private set; } = 4096;

    public int Concurrency { get; private set; } = 8;

    public double? Duration { get; private set; }

    public long? Count { get; private set; }

    public int Objects { get; private set; } = 1000;

    public bool ObjectsGiven { get; private set; }

    public Uri? Url { get; private set; }

    public IReadOnlyList<string> Directories { get; private set; } = [];

    public bool Json { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions
        {
            AccessKey = Environment.GetEnvironmentVariable("TESSERA_ROOT_USER") ?? Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "",
            SecretKey = Environment.GetEnvironmentVariable("TESSERA_ROOT_PASSWORD") ?? Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "",
        };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--op": o.Op = Value(); break;
                case "--endpoint": o.Endpoint = new Uri(Value()); break;
                case "--access-key": o.AccessKey = Value(); break;
                case "--secret-key": o.SecretKey = Value(); break;
                case "--region": o.Region = Value(); break;
                case "--bucket": o.Bucket = Value(); break;
                case "--size": o.Size = checked((int)ParseSize(Value())); break;
                case "--concurrency": o.Concurrency = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--duration": o.Duration = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--count": o.Count = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--objects": o.Objects = int.Parse(Value(), CultureInfo.InvariantCulture); o.ObjectsGiven = true; break;
                case "--url": o.Url = new Uri(Value()); break;
                case "--dir": o.Directories = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--json": o.Json = true; break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        o.Validate();
        return o;
    }

    /// <summary>Bytes from <c>4096</c>, <c>4KiB</c>, <c>8MiB</c>, <c>1G</c> (binary multiples either way).</summary>
    public static long ParseSize(string text)
    {
        var t = text.Trim();
        var digits = 0;
        while (digits < t.Length && char.IsAsciiDigit(t[digits]))
        {
            digits++;
        }

        if (digits == 0)
        {
            throw new ArgumentException($"bad size '{text}'");
        }

        var number = long.Parse(t.AsSpan(0, digits), CultureInfo.InvariantCulture);
        var shift = t[digits..].ToUpperInvariant() switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            _ => throw new ArgumentException($"bad size suffix in '{text}' (KiB, MiB, GiB)"),
        };
        return number << shift;
    }

    private void Validate()
    {
        if (Op is not ("put" or "get" or "mkbucket" or "httpget" or "disk"))
        {
            throw new ArgumentException("--op must be put, get, mkbucket, httpget or disk");
        }

        if (Op is "put" or "get" or "mkbucket" && (AccessKey.Length == 0 || SecretKey.Length == 0))
        {
            throw new ArgumentException("no credentials: give --access-key/--secret-key or set TESSERA_ROOT_USER/TESSERA_ROOT_PASSWORD");
        }

        if (Op == "httpget" && Url is null)
        {
            throw new ArgumentException("--op httpget needs --url");
        }

        if (Op == "disk" && Directories.Count == 0)
        {
            throw new ArgumentException("--op disk needs --dir D1,D2,...");
        }

        if (Size < 0 || Concurrency < 1 || Objects < 1 || Duration <= 0 || Count <= 0)
        {
            throw new ArgumentException("--size must be >= 0; --concurrency, --objects, --duration and --count > 0");
        }

        if (Duration is null && Count is null)
        {
            Duration = 10;
        }
    }
}
