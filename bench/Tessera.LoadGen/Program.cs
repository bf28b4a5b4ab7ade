using System.Text.Json;

namespace Tessera.LoadGen;

/// <summary>
/// Entry point of the load generator:
/// <c>dotnet bench/Tessera.LoadGen/bin/Release/net10.0/tessera-loadgen.dll --op put --size 4KiB --concurrency 8 --duration 8</c>.
/// See <see cref="LoadOptions.Usage"/>; bench/run-load.sh runs the whole comparison.
/// </summary>
public static class Program
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> Main(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}\n\n{LoadOptions.Usage}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        using ILoadOperation operation = options.Op == "disk" ? new DiskOperation(options) : new HttpOperation(options);
        if (options.Op == "mkbucket")
        {
            var outcome = await operation.RunAsync(0, 0, stop.Token);
            if (outcome.Error is not null)
            {
                await Console.Error.WriteLineAsync($"CreateBucket {options.Bucket} failed: {outcome.Error}");
                return 1;
            }

            await Console.Error.WriteLineAsync($"bucket {options.Bucket} ready");
            return 0;
        }

        var result = await new LoadRunner(options, operation).RunAsync(stop.Token);
        if (options.Json)
        {
            await Console.Error.WriteLineAsync(result.ToText());
            Console.WriteLine(JsonSerializer.Serialize(result, JsonOptions));
        }
        else
        {
            Console.WriteLine(result.ToText());
        }

        if (result.FirstError is not null)
        {
            await Console.Error.WriteLineAsync($"first error: {result.FirstError}");
        }

        return result.Errors == 0 ? 0 : 1;
    }
}
