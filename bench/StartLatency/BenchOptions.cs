using System.Globalization;
using System.Reflection;

namespace Workspaces.StartLatency;

/// <summary>Command-line settings of the harness.</summary>
internal sealed record BenchOptions(
    int Runs,
    TimeSpan PollInterval,
    TimeSpan IdleSettle,
    string WebAppPath,
    string? OutputFile,
    bool KeepFiles,
    IReadOnlyList<string> WebArguments,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>With <c>--prebuilds</c>: starts of a project with a slow init, with and without a prebuild, instead of the plain starts.</summary>
    public bool Prebuilds { get; init; }

    /// <summary>How much the prebuild comparison's init hashes (its "build"), in MB: about 4.5 s of CPU per 1,000 MB here.</summary>
    public int InitMegabytes { get; init; } = 4000;

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/StartLatency -- [options]
          --runs N         timed starts per repository, and as many git clones (default 5)
          --poll-ms N      how often GET /api/workspaces/{id} is asked while waiting for Ready (default 10)
          --idle-s N       how long a Ready workspace and the web app idle before their memory is read (default 5)
          --web PATH       Workspaces.Web.dll to start (default: the Release build next to this harness's sources)
          --output FILE    also write the Markdown report to FILE
          --keep           keep the temporary repositories, data directory and web app log
          --web-arg ARG    one more argument for the web app, e.g. --Workspaces:Runtime:Local:AgentPath=/tmp/agent/Workspaces.WorkspaceAgent
          --env NAME=VALUE an environment variable for the web app and so for the agents it starts, e.g. DOTNET_TieredCompilation=1
          --prebuilds      instead: a project whose init builds a 30,000-file node_modules and hashes --init-mb MB, started
                           without a prebuild, from a prebuild, and as a plain git clone, taking turns (--runs each)
          --init-mb N      the prebuild comparison's build work, in MB hashed (default 4000: about 20 s of init here)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(5, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5), DefaultWebAppPath(), null, false, [], new Dictionary<string, string>());
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive whole number.");
            options = args[i] switch
            {
                "--runs" => options with { Runs = Number() },
                "--poll-ms" => options with { PollInterval = TimeSpan.FromMilliseconds(Number()) },
                "--idle-s" => options with { IdleSettle = TimeSpan.FromSeconds(Number()) },
                "--web" => options with { WebAppPath = Path.GetFullPath(Value()) },
                "--output" => options with { OutputFile = Path.GetFullPath(Value()) },
                "--keep" => options with { KeepFiles = true },
                "--prebuilds" => options with { Prebuilds = true },
                "--init-mb" => options with { InitMegabytes = Number() },
                "--web-arg" => options with { WebArguments = [.. options.WebArguments, Value()] },
                "--env" => Value().Split('=', 2) is [{ Length: > 0 } name, var value]
                    ? options with { Environment = new Dictionary<string, string>(options.Environment) { [name] = value } }
                    : throw new ArgumentException("--env needs NAME=VALUE."),
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        return options;
    }

    private static string DefaultWebAppPath() =>
        typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "WebAppPath").Value!;
}
