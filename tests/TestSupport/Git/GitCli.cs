using System.Diagnostics;
using System.Text;

namespace Workspaces.TestSupport.Git;

/// <summary>
/// Runs the git command line hermetically: no system or global configuration, a fixed identity, no signing, no prompts.
/// </summary>
public static class GitCli
{
    private static readonly string[] HermeticSettings =
    [
        "commit.gpgsign=false",
        "tag.gpgsign=false",
        "core.autocrlf=false",
        "init.defaultBranch=main",
        "protocol.file.allow=always",
    ];

    public static async Task<string> RunAsync(string workingDirectory, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(workingDirectory, arguments, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"git {string.Join(' ', result.Arguments)} failed with exit code {result.ExitCode} in {workingDirectory}: {result.StandardError.Trim()}");
        }

        return result.StandardOutput;
    }

    public static Task<string> RunAsync(string workingDirectory, params string[] arguments) =>
        RunAsync(workingDirectory, arguments, CancellationToken.None);

    public static async Task<GitCliResult> TryRunAsync(string workingDirectory, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var args = arguments.ToList();
        var startInfo = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var setting in HermeticSettings)
        {
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(setting);
        }

        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        ConfigureEnvironment(startInfo.Environment);

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("git did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new GitCliResult(args, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Makes an environment independent of the machine's git configuration and terminal.</summary>
    public static void ConfigureEnvironment(IDictionary<string, string?> environment)
    {
        environment["GIT_CONFIG_NOSYSTEM"] = "1";
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        environment["GIT_TERMINAL_PROMPT"] = "0";
        environment["GIT_AUTHOR_NAME"] = "Workspaces Test";
        environment["GIT_AUTHOR_EMAIL"] = "test@workspaces.invalid";
        environment["GIT_COMMITTER_NAME"] = "Workspaces Test";
        environment["GIT_COMMITTER_EMAIL"] = "test@workspaces.invalid";
        environment["LC_ALL"] = "C";
    }
}

public sealed record GitCliResult(IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError);
