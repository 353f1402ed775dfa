using System.Globalization;
using System.Reflection;

namespace Workspaces.TerminalLatency;

internal sealed record BenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/TerminalLatency -- [options]
          --keystrokes N      measured keystrokes per side (default 2000)
          --warmup N          keystrokes per side before measuring (default 200)
          --blocks N          the measured keystrokes are typed in N alternating blocks, ours then peer's (default 8)
          --output-mb N       output per throughput run, in MB of 10^6 bytes (default 250)
          --rounds N          throughput runs per side, alternating (default 3; the median is reported)
          --terminals N       idle terminals for the memory figure (default 100)
          --web PATH          Workspaces.Web.dll to start (default: the one built next to this harness)
          --peer DIR          the node-pty + ws peer (default: bench/terminal-peer)
          --client NAME       the client driving both sides: node (default; the browser's @microsoft/signalr under Node,
                              bench/terminal-client) or dotnet (the .NET SignalR client, in this process)
          --background-load N stress-ng CPU workers at normal priority while echo and throughput are measured (default 0)
          --server-env NAME=VALUE  an environment variable for the web app (and so its agents) and the peer; repeatable
          --output FILE       also write the Markdown report to FILE
          --keep              keep the temporary directory (web app log, data)
        """;

    public int Keystrokes { get; init; } = 2000;

    public int Warmup { get; init; } = 200;

    public int Blocks { get; init; } = 8;

    public int OutputMegabytes { get; init; } = 250;

    public int Rounds { get; init; } = 3;

    public int IdleTerminals { get; init; } = 100;

    public string WebAppPath { get; init; } = Metadata("WebAppPath");

    public string PeerDirectory { get; init; } = Metadata("PeerDirectory");

    public const string NodeClient = "node";
    public const string DotnetClient = "dotnet";

    public string Client { get; init; } = NodeClient;

    public string ClientDirectory { get; init; } = Path.Combine(Path.GetDirectoryName(Metadata("PeerDirectory"))!, "terminal-client");

    public int BackgroundLoad { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> ServerEnvironment { get; init; } = [];

    public string? OutputFile { get; init; }

    public bool KeepFiles { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Count() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{args[i - 1]} needs a positive whole number.");
            options = args[i] switch
            {
                "--keystrokes" => options with { Keystrokes = Count() },
                "--warmup" => options with { Warmup = Count() },
                "--blocks" => options with { Blocks = Count() },
                "--output-mb" => options with { OutputMegabytes = Count() },
                "--rounds" => options with { Rounds = Count() },
                "--terminals" => options with { IdleTerminals = Count() },
                "--web" => options with { WebAppPath = Path.GetFullPath(Value()) },
                "--peer" => options with { PeerDirectory = Path.GetFullPath(Value()) },
                "--client" => options with { Client = ClientName(Value()) },
                "--background-load" => options with { BackgroundLoad = Count() },
                "--server-env" => options with { ServerEnvironment = [.. options.ServerEnvironment, Variable(Value())] },
                "--output" => options with { OutputFile = Path.GetFullPath(Value()) },
                "--keep" => options with { KeepFiles = true },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        if (options.Keystrokes % options.Blocks != 0)
        {
            throw new ArgumentException("--keystrokes must be a multiple of --blocks.");
        }

        return options;
    }

    private static string ClientName(string value) =>
        value is NodeClient or DotnetClient ? value : throw new ArgumentException($"--client is node or dotnet, not {value}.");

    private static KeyValuePair<string, string> Variable(string value) =>
        value.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals
            ? new(value[..equals], value[(equals + 1)..])
            : throw new ArgumentException($"--server-env needs NAME=VALUE, not {value}.");

    private static string Metadata(string key) =>
        typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
