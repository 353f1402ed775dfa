using System.Diagnostics;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;

namespace Workspaces.StartLatency;

/// <summary>
/// The prebuild comparison (<c>--prebuilds</c>): one repository, two projects on it (prebuilds on, prebuilds off), one
/// prebuild, then starts of each project and plain <c>git clone</c>s taking turns.
/// </summary>
internal sealed partial class Harness
{
    public const int PrebuildRepositoryFiles = 1_000;
    public const int PrebuildRepositoryFileBytes = 10 * 1024;
    public const int InitPackages = 300;
    public const int InitFilesPerPackage = 100;
    private static readonly TimeSpan PrebuildTimeout = TimeSpan.FromMinutes(10);

    public async Task<PrebuildReport> RunPrebuildsAsync(CancellationToken cancellationToken)
    {
        var root = TempDirectory.Create("ws-prebuild-bench");
        _dataDirectory = Path.Combine(root.Path, "data");
        _logDirectory = root.Path;
        try
        {
            await using var server = await SmartHttpGitServer.StartAsync(cancellationToken);
            var repository = new GitRepositoryBuilder()
                .WithRandomFiles(PrebuildRepositoryFiles, PrebuildRepositoryFileBytes)
                .WithGitpodYml(InitYaml(options.InitMegabytes));
            await server.CreateRepositoryAsync("app", repository, null, cancellationToken);
            _gitServerPort = server.BaseUrl.Port;
            var url = server.RepositoryUrl("app");
            await StartWebAsync(cancellationToken);
            await Api.SignInAsync(Email, Password, cancellationToken);

            var team = (await Api.PostAsync("/api/teams", new { name = "Bench" }, cancellationToken)).GetProperty("id").GetString()!;
            var withPrebuilds = await CreateProjectAsync(team, "with-prebuilds", url, cancellationToken);
            var withoutPrebuilds = await CreateProjectAsync(team, "without-prebuilds", url, cancellationToken);
            await Api.PutAsync(
                $"/api/projects/{withPrebuilds}/prebuilds/settings",
                new { enabled = true, branchPatterns = "main", everyNthCommit = 1, maxCommitsBehind = 100, keepPerBranch = 3 },
                cancellationToken);
            var prebuild = await RunPrebuildAsync(withPrebuilds, cancellationToken);
            progress.WriteLine($"Prebuild {prebuild.Commit[..6]}: {prebuild.Wall.TotalSeconds:0.0} s from the request to succeeded ({prebuild.DurationSeconds:0.0} s by the server), {prebuild.SizeBytes / 1e6:0.0} MB, storage {prebuild.Storage}");

            var plain = new List<StartRun>();
            var fromPrebuild = new List<StartRun>();
            var unpacked = new List<StartRun>();
            var clones = new List<GitClone>();
            var pressure = new CpuPressure();
            for (var i = 0; i < options.Runs; i++)
            {
                var without = await StartWithRetriesAsync(ct => CreateProjectWorkspaceAsync(withoutPrebuilds, ct), cancellationToken);
                await DeleteAsync(without.Id, cancellationToken);
                plain.Add(without.Run);

                var with = await StartWithRetriesAsync(ct => CreateProjectWorkspaceAsync(withPrebuilds, ct), cancellationToken);
                await DeleteAsync(with.Id, cancellationToken);
                if (with.Run.Prebuild is not { Used: true })
                {
                    throw new InvalidOperationException($"The start of the project with prebuilds did not use the prebuild: {with.Run.Prebuild?.Note ?? "no prebuild information"}.");
                }

                fromPrebuild.Add(with.Run);

                // The same start when no warm copy is ready (two starts within moments): wait for the one unpacked in the
                // background after the start above, remove it, and start again, so that the snapshot is unpacked.
                var warm = Path.Combine(_dataDirectory, "prebuilds", prebuild.Id + ".warm");
                await WaitForDirectoryAsync(warm, cancellationToken);
                Directory.Delete(warm, recursive: true);
                var cold = await StartWithRetriesAsync(ct => CreateProjectWorkspaceAsync(withPrebuilds, ct), cancellationToken);
                await DeleteAsync(cold.Id, cancellationToken);
                unpacked.Add(cold.Run);
                var clone = await TimeGitCloneAsync(url, root.Path, cancellationToken);
                clones.Add(clone);
                progress.WriteLine($"#{i + 1}: without a prebuild {Stats.Ms(without.Run.Wall)} ms (tasks {Stats.Ms(without.Run.TasksAndReport)}); {with.Run.Prebuild.Summary}: {Stats.Ms(with.Run.Wall)} ms (clone phase {Stats.Ms(with.Run.Cloning)}, tasks {Stats.Ms(with.Run.TasksAndReport)}), unpacked {Stats.Ms(cold.Run.Wall)} ms; git clone {Stats.Ms(clone.Wall)} ms");
            }

            return new PrebuildReport(options, MachineInfo.Read(), prebuild, plain, fromPrebuild, unpacked, clones, pressure.Fraction());
        }
        finally
        {
            await CleanUpAsync();
            if (options.KeepFiles)
            {
                progress.WriteLine($"Kept {root.Path} (web app logs: web-*.log)");
            }
            else
            {
                root.Dispose();
            }
        }
    }

    /// <summary>
    /// An init with a node_modules-sized result (<see cref="InitPackages"/> × <see cref="InitFilesPerPackage"/> files) and a
    /// "build" of fixed CPU work, written with the shell and coreutils only so that it runs in any workspace.
    /// </summary>
    private static string InitYaml(int megabytes) => $$"""
        tasks:
          - name: app
            init: |
              for d in $(seq 1 {{InitPackages}}); do mkdir -p node_modules/pkg$d; for f in $(seq 1 {{InitFilesPerPackage}}); do echo "module.exports = '$d/$f';" > node_modules/pkg$d/f$f.js; done; done
              head -c {{megabytes}}000000 /dev/zero | sha256sum > build-hash.txt
              echo built
            command: echo ready
        """;

    private async Task<string> CreateProjectAsync(string team, string name, string url, CancellationToken cancellationToken) =>
        (await Api.PostAsync($"/api/teams/{team}/projects", new { name, repositoryUrl = url, defaultBranch = "main" }, cancellationToken)).GetProperty("id").GetString()!;

    private async Task<WorkspaceDto> CreateProjectWorkspaceAsync(string project, CancellationToken cancellationToken)
    {
        var id = (await Api.PostAsync($"/api/projects/{project}/workspaces", new { }, cancellationToken)).GetProperty("id").GetString()!;
        return new WorkspaceDto(id, WorkspacePhase.Queued, "", null);
    }

    private static async Task WaitForDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (!Directory.Exists(path))
        {
            if (waited.Elapsed > PrebuildTimeout)
            {
                throw new TimeoutException($"No warm copy at {path} within {PrebuildTimeout.TotalMinutes:0} min.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private async Task<PrebuildRun> RunPrebuildAsync(string project, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var id = (await Api.PostAsync($"/api/projects/{project}/prebuilds", new { }, cancellationToken)).GetProperty("id").GetString()!;
        while (true)
        {
            var prebuild = (await Api.GetAsync($"/api/projects/{project}/prebuilds", cancellationToken)).GetProperty("prebuilds").EnumerateArray()
                .Single(p => p.GetProperty("id").GetString() == id);
            switch (prebuild.GetProperty("status").GetString())
            {
                case "Succeeded":
                    return new PrebuildRun(
                        id,
                        stopwatch.Elapsed,
                        prebuild.GetProperty("commit").GetString()!,
                        prebuild.GetProperty("storage").GetString() ?? "",
                        prebuild.GetProperty("sizeBytes").GetInt64(),
                        prebuild.GetProperty("durationSeconds").GetDouble());
                case "Queued" or "Running":
                    break;
                case var status:
                    throw new InvalidOperationException($"The prebuild ended {status}: {(prebuild.TryGetProperty("message", out var m) ? m.GetString() : "")}");
            }

            if (stopwatch.Elapsed > PrebuildTimeout)
            {
                throw new TimeoutException($"The prebuild did not succeed within {PrebuildTimeout.TotalMinutes:0} min.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}

/// <summary>One prebuild: the client's wait for it, and what the server recorded.</summary>
internal sealed record PrebuildRun(string Id, TimeSpan Wall, string Commit, string Storage, long SizeBytes, double DurationSeconds);
