using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Workspaces.Shared.Ssh;

/// <summary>OpenSSH's <c>ssh-keygen</c> could not be run or failed; <see cref="NotInstalled"/> says which.</summary>
public sealed class SshKeygenException(string message, bool notInstalled) : Exception(message)
{
    public bool NotInstalled { get; } = notInstalled;
}

/// <summary>
/// The one place that runs OpenSSH's <c>ssh-keygen</c> (key pairs for the CLI, the workspace's host key and user CA,
/// user certificates signed by that CA): keys and signatures are OpenSSH's own, never made by hand.
/// </summary>
public static class SshKeygen
{
    /// <summary>A new ed25519 key pair without passphrase: <paramref name="path"/> (0600) and <c>path.pub</c>.</summary>
    public static async Task CreateKeyAsync(string program, string path, string comment, CancellationToken cancellationToken)
    {
        File.Delete(path);
        File.Delete(path + ".pub");
        await RunAsync(program, ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], cancellationToken);
    }

    /// <summary>
    /// Signs <paramref name="publicKeyFile"/> with the CA key <paramref name="caKeyFile"/> into <c>…-cert.pub</c> next to it:
    /// a user certificate for <paramref name="principal"/>, valid from <paramref name="validAfter"/> to
    /// <paramref name="validBefore"/>, allowing a terminal and port forwarding only (no agent or X11 forwarding, no
    /// user rc). Returns the certificate line.
    /// </summary>
    public static async Task<string> SignUserKeyAsync(
        string program, string caKeyFile, string publicKeyFile, string keyId, string principal, DateTimeOffset validAfter, DateTimeOffset validBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publicKeyFile);
        var validity = string.Create(CultureInfo.InvariantCulture, $"{validAfter.UtcDateTime:yyyyMMddHHmmss}Z:{validBefore.UtcDateTime:yyyyMMddHHmmss}Z");
        await RunAsync(program, ["-q", "-s", caKeyFile, "-I", keyId, "-n", principal, "-V", validity, "-O", "clear", "-O", "permit-pty", "-O", "permit-port-forwarding", publicKeyFile], cancellationToken);
        var certificate = publicKeyFile.EndsWith(".pub", StringComparison.Ordinal) ? publicKeyFile[..^4] + "-cert.pub" : publicKeyFile + "-cert.pub";
        return (await File.ReadAllTextAsync(certificate, cancellationToken)).Trim();
    }

    private static async Task RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SshKeygenException($"{program} did not start.", notInstalled: true);
        }
        catch (Win32Exception e)
        {
            throw new SshKeygenException($"{program} is not installed ({e.Message})", notInstalled: true);
        }

        using (process)
        {
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                var reason = (await error).Trim();
                throw new SshKeygenException(string.Create(CultureInfo.InvariantCulture, $"{program} failed (exit {process.ExitCode}): {reason}"), notInstalled: false);
            }
        }
    }
}
