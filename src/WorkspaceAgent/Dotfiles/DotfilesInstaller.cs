using System.Diagnostics;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Cloning;

namespace Workspaces.WorkspaceAgent.Dotfiles;

/// <summary>
/// Clones the owner's dotfiles repository once per workspace and installs it into the workspace's home directory
/// (<see cref="WorkspaceLayout.HomeDirectory"/>): the first of <see cref="InstallScripts"/> runs; without one, the
/// repository's top-level files are linked into the home directory. Everything is written to
/// <see cref="WorkspaceLayout.DotfilesLogFile"/>. A failure is logged and never stops the workspace.
/// </summary>
public sealed partial class DotfilesInstaller(AgentBootstrap bootstrap, WorkspaceLayout layout, RepositoryCloner cloner, ILogger<DotfilesInstaller> logger)
{
    public static readonly string[] InstallScripts = ["install.sh", "install", "bootstrap.sh", "bootstrap", "setup.sh", "setup"];

    public static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    private static readonly HashSet<string> NotLinked = new(StringComparer.OrdinalIgnoreCase) { ".git", ".github", ".gitignore", ".gitmodules", "README", "README.md", "LICENSE", "LICENSE.md" };

    private string Marker => Path.Combine(layout.StateDirectory, "dotfiles-done");

    /// <summary>The environment a workspace with dotfiles gets: HOME is the workspace's home directory.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Variables(AgentBootstrap bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        return string.IsNullOrEmpty(bootstrap.DotfilesRepository)
            ? []
            : [KeyValuePair.Create("HOME", new WorkspaceLayout(bootstrap.WorkspaceDirectory, bootstrap.CheckoutDirectoryName).HomeDirectory)];
    }

    public async Task InstallAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(bootstrap.DotfilesRepository) || File.Exists(Marker))
        {
            return;
        }

        Directory.CreateDirectory(layout.StateDirectory);
        Directory.CreateDirectory(layout.HomeDirectory);
        await using var log = new StreamWriter(new FileStream(layout.DotfilesLogFile, FileMode.Append, FileAccess.Write, FileShare.Read), Encoding.UTF8) { AutoFlush = true };
        try
        {
            await log.WriteLineAsync($"Installing dotfiles from {RepositoryUrl.Redact(bootstrap.DotfilesRepository)} into {layout.HomeDirectory}");
            var repository = new WorkspaceLayout(layout.DotfilesDirectory, "repo");
            var clone = await cloner.EnsureCheckoutAsync(new CloneRequest(bootstrap.DotfilesRepository, null, null, bootstrap.DiskLimitBytes, bootstrap.RepositoryNetwork), repository, _ => { }, cancellationToken);
            if (clone.Outcome == CloneOutcome.Failed)
            {
                await log.WriteLineAsync($"Cloning the dotfiles failed: {clone.Error!.Message}");
                LogFailed(clone.Error.Message);
                return;
            }

            if (clone.Outcome == CloneOutcome.Cancelled)
            {
                return;
            }

            CopyGitIdentity();
            var script = InstallScripts.Select(name => Path.Combine(repository.CheckoutDirectory, name)).FirstOrDefault(File.Exists);
            if (script is not null)
            {
                await RunAsync(script, repository.CheckoutDirectory, log, cancellationToken);
            }
            else
            {
                await LinkAsync(repository.CheckoutDirectory, log);
            }

            await File.WriteAllTextAsync(Marker, "", cancellationToken);
            LogInstalled(script is null ? "links" : Path.GetFileName(script));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await log.WriteLineAsync($"Installing the dotfiles failed: {e.Message}");
            LogFailed(e.Message);
        }
    }

    private async Task RunAsync(string script, string directory, StreamWriter log, CancellationToken cancellationToken)
    {
        await log.WriteLineAsync($"Running {Path.GetFileName(script)}");
        var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0;
        var start = new ProcessStartInfo(executable ? script : (File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh"))
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (!executable)
        {
            start.ArgumentList.Add(script);
        }

        start.Environment["HOME"] = layout.HomeDirectory;
        start.Environment["DOTFILES"] = directory;
        foreach (var (name, value) in bootstrap.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment.Remove("ASPNETCORE_URLS");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The install script did not start.");
        process.StandardInput.Close();
        var synchronized = TextWriter.Synchronized(log);
        var output = PumpAsync(process.StandardOutput, synchronized);
        var errors = PumpAsync(process.StandardError, synchronized);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await log.WriteLineAsync($"{Path.GetFileName(script)} did not finish within {ScriptTimeout.TotalMinutes:0} minutes and was stopped.");
            throw new InvalidOperationException("The install script timed out.");
        }

        await Task.WhenAll(output, errors);
        await log.WriteLineAsync($"{Path.GetFileName(script)} exited with code {process.ExitCode}");
    }

    private async Task LinkAsync(string directory, StreamWriter log)
    {
        await log.WriteLineAsync("No install script (install.sh, install, bootstrap.sh, bootstrap, setup.sh, setup): linking the files into the home directory");
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = Path.GetFileName(entry);
            if (NotLinked.Contains(name))
            {
                continue;
            }

            var target = Path.Combine(layout.HomeDirectory, name);
            if (File.Exists(target) || Directory.Exists(target))
            {
                await log.WriteLineAsync($"  {name}: already in the home directory, left alone");
                continue;
            }

            File.CreateSymbolicLink(target, entry);
            await log.WriteLineAsync($"  {name} -> {entry}");
        }
    }

    // The workspace gets its own home; the identity Git commits with comes along unless the dotfiles bring one.
    private void CopyGitIdentity()
    {
        var real = Environment.GetEnvironmentVariable("HOME");
        var source = real is null ? null : Path.Combine(real, ".gitconfig");
        var target = Path.Combine(layout.HomeDirectory, ".gitconfig");
        if (source is not null && File.Exists(source) && !File.Exists(target))
        {
            File.Copy(source, target);
        }
    }

    private static async Task PumpAsync(StreamReader reader, TextWriter log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            log.WriteLine("  " + line);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dotfiles installed ({How})")]
    private partial void LogInstalled(string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dotfiles not installed: {Reason}")]
    private partial void LogFailed(string reason);
}
