using System.Text;
using Microsoft.AspNetCore.SignalR;
using Workspaces.Shared.SourceControl;
using Workspaces.WorkspaceAgent.Files;

namespace Workspaces.WorkspaceAgent.SourceControl;

/// <summary>
/// The source control hub at <see cref="Shared.SourceControl.SourceControlHubContract.Path"/>. Pull and push use the credential
/// the web app put on this connection's request (<see cref="Shared.SourceControl.SourceControlHubContract.CredentialHeader"/>).
/// </summary>
public sealed class SourceControlHub(GitRepository git, GitSummaryService summary) : Hub
{
    public Task<GitStatus> Status() => git.StatusAsync(Context.ConnectionAborted);

    public Task<GitDiffContents> Diff(string path, bool staged) => Guard(() => git.DiffAsync(path, staged, Context.ConnectionAborted));

    public Task<GitResult> Stage(string[] paths) => Changing(() => git.StageAsync(paths, Context.ConnectionAborted));

    public Task<GitResult> Unstage(string[] paths) => Changing(() => git.UnstageAsync(paths, Context.ConnectionAborted));

    public Task<GitResult> Commit(string message) => Changing(() => git.CommitAsync(message, Identity(), Context.ConnectionAborted));

    public Task<GitResult> Pull() => Changing(() => git.PullAsync(Credential(), Identity(), Context.ConnectionAborted));

    public Task<GitResult> Push() => Changing(() => git.PushAsync(Credential(), Context.ConnectionAborted));

    public Task<GitBranches> Branches() => git.BranchesAsync(Context.ConnectionAborted);

    public Task<GitResult> CreateBranch(string name) => Changing(() => git.CreateBranchAsync(name, Context.ConnectionAborted));

    public Task<GitResult> SwitchBranch(string name) => Changing(() => git.SwitchBranchAsync(name, Context.ConnectionAborted));

    private async Task<GitResult> Changing(Func<Task<GitResult>> action)
    {
        GitResult result;
        try
        {
            result = await action();
        }
        catch (GitMissingException ex)
        {
            return new GitResult(false, GitErrorKind.GitMissing, ex.Message);
        }
        catch (FileOperationException ex)
        {
            return new GitResult(false, GitErrorKind.Failed, ex.Message);
        }

        summary.RefreshSoon();
        return result;
    }

    private static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is GitMissingException or FileOperationException or IOException)
        {
            throw new HubException(ex.Message);
        }
    }

    private GitHostCredential? Credential()
    {
        var header = Context.GetHttpContext()?.Request.Headers[Shared.SourceControl.SourceControlHubContract.CredentialHeader].ToString();
        if (string.IsNullOrEmpty(header) || header.Split(' ') is not [var host, var encoded])
        {
            return null;
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : new GitHostCredential(host, pair[..colon], pair[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private GitIdentity? Identity()
    {
        var headers = Context.GetHttpContext()?.Request.Headers;
        var email = headers?[Shared.SourceControl.SourceControlHubContract.UserEmailHeader].ToString();
        if (string.IsNullOrEmpty(email))
        {
            return null;
        }

        var name = headers![Shared.SourceControl.SourceControlHubContract.UserNameHeader].ToString();
        return new GitIdentity(string.IsNullOrEmpty(name) ? email.Split('@')[0] : Uri.UnescapeDataString(name), email);
    }
}
