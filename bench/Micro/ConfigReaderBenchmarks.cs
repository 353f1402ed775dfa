using BenchmarkDotNet.Attributes;
using Workspaces.Shared.Configuration;

namespace Workspaces.Micro;

/// <summary>
/// <see cref="WorkspaceConfigReader.Read"/> on checkouts holding the real <c>.gitpod.yml</c> and <c>devcontainer.json</c>
/// files of public repositories: what the agent does once per start between the clone and the tasks.
/// </summary>
[MemoryDiagnoser]
public class ConfigReaderBenchmarks
{
    private readonly List<string> _gitpodCheckouts = [];
    private readonly List<string> _devcontainerCheckouts = [];
    private string _root = "";

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "ws-micro-" + Guid.NewGuid().ToString("N")[..12]);
        var testdata = Path.Combine(AppContext.BaseDirectory, "testdata");
        foreach (var file in Directory.GetFiles(Path.Combine(testdata, "gitpod"), "*.gitpod.yml").Order(StringComparer.Ordinal))
        {
            _gitpodCheckouts.Add(Checkout(file, ".gitpod.yml"));
        }

        foreach (var file in Directory.GetFiles(Path.Combine(testdata, "devcontainer"), "*.devcontainer.json").Order(StringComparer.Ordinal))
        {
            _devcontainerCheckouts.Add(Checkout(file, Path.Combine(".devcontainer", "devcontainer.json")));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>One pass over every real <c>.gitpod.yml</c> (16 files); divide by the count for one start.</summary>
    [Benchmark]
    public int ReadEveryGitpodFile() => ReadAll(_gitpodCheckouts);

    /// <summary>One pass over every real <c>devcontainer.json</c> (19 files).</summary>
    [Benchmark]
    public int ReadEveryDevcontainerFile() => ReadAll(_devcontainerCheckouts);

    /// <summary>A checkout with no configuration at all: the cost every start pays for looking.</summary>
    [Benchmark]
    public int ReadEmptyCheckout() => WorkspaceConfigReader.Read(_root).Tasks.Count;

    private static int ReadAll(List<string> checkouts)
    {
        var tasks = 0;
        foreach (var checkout in checkouts)
        {
            tasks += WorkspaceConfigReader.Read(checkout).Tasks.Count;
        }

        return tasks;
    }

    private string Checkout(string sourceFile, string relativePath)
    {
        var checkout = Path.Combine(_root, Path.GetFileName(sourceFile));
        var target = Path.Combine(checkout, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(sourceFile, target);
        return checkout;
    }
}
