using Workspaces.Shared.Ssh;
using Workspaces.WorkspaceAgent.Hosting;

namespace Workspaces.WorkspaceAgent.Ssh;

/// <summary>
/// <c>POST /ssh/certificate</c> (<see cref="Shared.Agent.AgentProtocol.SshCertificatePath"/>): signs the public key the
/// web app passes (after its access policy said yes) with the workspace's user CA, for the workspace's user and for the
/// lifetime asked, with <c>ssh-keygen</c>. The agent's clock sets the validity, the same clock sshd checks it with.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SshCertificates(SshServer server, TimeProvider time, ILogger<SshCertificates> logger)
{
    /// <summary>Longer than any lifetime the web app's options allow; a request beyond it is a mistake, not a wish.</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(1);

    private long _next;

    public async Task HandleAsync(HttpContext context)
    {
        AgentSshCertificateRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(AgentJsonContext.Default.AgentSshCertificateRequest, context.RequestAborted);
        }
        catch (System.Text.Json.JsonException)
        {
            request = null;
        }

        if (request is null || request.Lifetime <= TimeSpan.Zero || request.Lifetime > MaxLifetime
            || string.IsNullOrWhiteSpace(request.KeyId) || request.KeyId.Length > 200 || request.KeyId.Any(char.IsControl))
        {
            await SshConnections.RefuseAsync(context, StatusCodes.Status400BadRequest, "Send {publicKey, keyId, lifetime} with a lifetime of at most a day.");
            return;
        }

        if (!SshPublicKey.TryNormalize(request.PublicKey, out var key, out var problem))
        {
            await SshConnections.RefuseAsync(context, StatusCodes.Status400BadRequest, problem);
            return;
        }

        SshSetup setup;
        try
        {
            setup = await server.PrepareAsync(context.RequestAborted);
        }
        catch (SshUnavailableException e)
        {
            await SshConnections.RefuseAsync(context, e.Status, e.Message);
            return;
        }

        var now = time.GetUtcNow();
        var validBefore = now + request.Lifetime;
        var work = Path.Combine(server.Directory, "certify", $"{Environment.ProcessId}-{Interlocked.Increment(ref _next)}");
        Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var publicKeyFile = Path.Combine(work, "key.pub");
            await File.WriteAllTextAsync(publicKeyFile, key + "\n", context.RequestAborted);
            string certificate;
            try
            {
                certificate = await SshKeygen.SignUserKeyAsync(setup.KeygenPath, setup.CaKeyPath, publicKeyFile, request.KeyId, setup.User, now, validBefore, context.RequestAborted);
            }
            catch (SshKeygenException e)
            {
                LogSignFailed(e.Message);
                await SshConnections.RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, $"The workspace could not sign an SSH certificate: {e.Message}");
                return;
            }

            LogSigned(request.KeyId, validBefore);
            await context.Response.WriteAsJsonAsync(new AgentSshCertificate(setup.User, setup.HostPublicKey, certificate, validBefore), AgentJsonContext.Default.AgentSshCertificate, cancellationToken: context.RequestAborted);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Signed an SSH certificate for {KeyId}, valid until {ValidBefore}")]
    private partial void LogSigned(string keyId, DateTimeOffset validBefore);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signing an SSH certificate failed: {Reason}")]
    private partial void LogSignFailed(string reason);
}
