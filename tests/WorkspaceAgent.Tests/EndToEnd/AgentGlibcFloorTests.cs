using System.Diagnostics;
using System.Text.RegularExpressions;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.EndToEnd;

/// <summary>
/// The glibc build runs on any glibc at least as new as the floor the start script states (deploy/docker/agent-start.sh,
/// GLIBC_FLOOR); older ones get the musl build. The floor is what the built agent and its libgit2 need: the newest
/// GLIBC_x.y symbol version objdump -T finds in them.
/// </summary>
public sealed partial class AgentGlibcFloorTests
{
    [Fact]
    public async Task BuiltAgent_GlibcSymbolVersions_AreNoNewerThanTheStartScriptsFloor()
    {
        var script = await File.ReadAllTextAsync(Path.Combine(RepositoryRootPath(), "deploy", "docker", "agent-start.sh"));
        var floor = Version.Parse(FloorLine().Match(script).Groups[1].Value);
        var binaries = Directory.GetFiles(AgentBinary.Directory).Where(f => Path.GetFileName(f) == "Workspaces.WorkspaceAgent" || Path.GetFileName(f).StartsWith("libgit2", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, binaries.Count);

        foreach (var binary in binaries)
        {
            var newest = (await ObjdumpAsync(binary)).Select(v => Version.Parse(v)).Max()!;
            Assert.True(newest <= floor, $"{Path.GetFileName(binary)} needs GLIBC_{newest}, newer than the start script's GLIBC_FLOOR={floor}: raise the floor or build on an older glibc");
        }
    }

    private static async Task<List<string>> ObjdumpAsync(string binary)
    {
        var start = new ProcessStartInfo("objdump") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-T");
        start.ArgumentList.Add(binary);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        return [.. SymbolVersion().Matches(output).Select(m => m.Groups[1].Value).Distinct()];
    }

    private static string RepositoryRootPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Workspaces.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Workspaces.sln not found above the test binaries.");
    }

    [GeneratedRegex(@"^GLIBC_FLOOR=([0-9]+\.[0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex FloorLine();

    [GeneratedRegex(@"\(GLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)\)")]
    private static partial Regex SymbolVersion();
}
