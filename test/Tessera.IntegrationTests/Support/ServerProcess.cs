using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Tessera.IntegrationTests;

/// <summary>
/// The real <c>tessera server</c> executable in a child process, for what an in-process server cannot show:
/// kill -9 in the middle of writes, and the resident memory of the server alone.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int OutputLines = 200;
    private static readonly ConcurrentDictionary<ServerProcess, byte> Live = new();

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    static ServerProcess()
    {
        // A test run that dies before its disposals ran leaves no server behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Live.Keys)
            {
                server.Kill();
            }
        };
    }

    private ServerProcess(Process process, string host, int port)
    {
        _process = process;
        Port = port;
        Endpoint = new Uri($"http://{host}:{port}");
    }

    public int Port { get; }

    public Uri Endpoint { get; }

    public int Pid => _process.Id;

    /// <summary>Starts <c>tessera server DATA</c> on a free port and waits until it answers its readiness probe.</summary>
    public static Task<ServerProcess> StartAsync(string dataDirectory, int? port = null, params string[] extraArgs) =>
        StartAsync([], "127.0.0.1", dataDirectory, port ?? FreePort(), extraArgs);

    /// <summary>
    /// Starts <c>tessera server DATA</c> on <paramref name="host"/>:<paramref name="port"/> through
    /// <paramref name="wrapper"/> (<c>ip netns exec NAME</c>, which execs the server in place: the pid is the server's)
    /// and waits until it answers its readiness probe there.
    /// </summary>
    public static Task<ServerProcess> StartAsync(IReadOnlyList<string> wrapper, string host, string dataDirectory, int port, params string[] extraArgs) =>
        StartAsync(wrapper, host, dataDirectory, port, new Dictionary<string, string>(), extraArgs);

    /// <summary>Starts <c>tessera server DATA</c> on a free port with <paramref name="environment"/> added to its variables.</summary>
    public static Task<ServerProcess> StartAsync(string dataDirectory, int? port, IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        StartAsync([], "127.0.0.1", dataDirectory, port ?? FreePort(), environment, extraArgs);

    private static async Task<ServerProcess> StartAsync(
        IReadOnlyList<string> wrapper, string host, string dataDirectory, int port, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var info = new ProcessStartInfo(wrapper.Count > 0 ? wrapper[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in wrapper.Skip(1).Concat(wrapper.Count > 0 ? ["dotnet"] : []))
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add(ServerAssembly());
        info.ArgumentList.Add("server");
        info.ArgumentList.Add(dataDirectory);
        info.ArgumentList.Add("--address");
        info.ArgumentList.Add($"{host}:{port}");
        info.ArgumentList.Add("--quiet");
        foreach (var arg in extraArgs)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["TESSERA_ROOT_USER"] = StoreFixture.RootKey;
        info.Environment["TESSERA_ROOT_PASSWORD"] = StoreFixture.RootSecret;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start tessera");
        var server = new ServerProcess(process, host, port);
        Live[server] = 0;
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"tessera exited with {process.ExitCode} before it was ready: {server.Tail()}");
            }

            try
            {
                var ready = await http.GetAsync(new Uri(server.Endpoint, "/health/ready"));
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException("tessera did not answer /health/ready within 60 s");
    }

    public AmazonS3Client CreateClient() =>
        new(new BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(60),
        });

    /// <summary>The last lines the server wrote to its standard output and error (what <c>--quiet</c> leaves: warnings and errors).</summary>
    public string Tail(int lines = 20) => string.Join(Environment.NewLine, _output.TakeLast(lines));

    /// <summary>Resident set size of the server process in bytes (Linux /proc).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or power cut of the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        Live.TryRemove(this, out _);
        _process.Dispose();
        await Task.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > OutputLines && _output.TryDequeue(out _))
        {
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ServerAssembly()
    {
        // The test output holds tessera.dll from the project reference; its runtimeconfig sits beside it.
        var local = Path.Combine(AppContext.BaseDirectory, "tessera.dll");
        if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "tessera.runtimeconfig.json")))
        {
            return local;
        }

        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "Tessera.slnx")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/'));
        }

        return Path.Combine(root ?? throw new FileNotFoundException("Tessera.slnx not found above the test directory"), "src", "Tessera.Server", "bin", configuration, "net10.0", "tessera.dll");
    }
}
