using LibGit2Sharp;
using LibGit2Sharp.Handlers;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Repositories;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// One synchronous run of libgit2's clone, observing it through its callbacks: progress, the disk limit, credentials
/// asked for (again), and cancellation (libgit2 stops when a callback says so).
/// </summary>
internal sealed class CloneAttempt(RepositoryUrl url, CloneRequest request, Action<CloneProgress> onProgress, CancellationToken cancellationToken)
{
    private int _credentialRequests;
    private bool _diskLimitExceeded;
    private CloneProgress _progress = new(0, 0, 0, 0, 0, 0);

    /// <summary>Clones into <paramref name="directory"/>; null on success, else what went wrong.</summary>
    public CloneFailure? Run(string directory)
    {
        // libgit2 makes its HTTP connections on this thread, through the guarded transport, under the request's rule.
        using var network = GuardedHttpTransport.Use(request.Network ?? RepositoryNetwork.PublicOnly, cancellationToken);
        var fetch = new FetchOptions
        {
            CredentialsProvider = (requestedUrl, usernameFromUrl, types) => ProvideCredentials()!,
            OnTransferProgress = OnTransferProgress,
            OnProgress = _ => !cancellationToken.IsCancellationRequested,
            RepositoryOperationStarting = _ => !cancellationToken.IsCancellationRequested,
        };
        var options = new CloneOptions(fetch)
        {
            BranchName = request.BranchName,
            OnCheckoutProgress = OnCheckoutProgress,
        };

        try
        {
            Repository.Clone(url.Value, directory, options);
            return null;
        }
        catch (LibGit2SharpException ex)
        {
            var referenceNotFound = ex is NotFoundException && ex.Message.Contains("refs/remotes/origin/", StringComparison.Ordinal);
            return new CloneFailure(
                Redact(network.Failure ?? ex.Message),
                ReferenceNotFound: referenceNotFound,
                CredentialRequested: _credentialRequests > 0,
                CredentialRejected: request.Credential is not null && _credentialRequests > 1,
                DiskLimitExceeded: _diskLimitExceeded,
                DefaultBranch: referenceNotFound ? FindDefaultBranch() : null);
        }
    }

    /// <summary>Removes what must never be shown: URL user info and the stored token.</summary>
    private string Redact(string text)
    {
        var redacted = RepositoryUrl.Redact(text);
        return request.Credential is { Password.Length: > 0 } credential
            ? redacted.Replace(credential.Password, "***", StringComparison.Ordinal)
            : redacted;
    }

    private UsernamePasswordCredentials? ProvideCredentials()
    {
        _credentialRequests++;
        if (request.Credential is not { } credential)
        {
            // No callback result makes libgit2 fail with "authentication required", which is exactly the case.
            return null;
        }

        if (_credentialRequests > 1)
        {
            // libgit2 asks again after the server answered 401 to what it was given; giving the same again would only
            // repeat that until its replay limit.
            throw new InvalidOperationException("The server rejected the stored credential.");
        }

        return new UsernamePasswordCredentials { Username = credential.Username, Password = credential.Password };
    }

    private bool OnTransferProgress(TransferProgress transfer)
    {
        _progress = _progress with
        {
            TotalObjects = transfer.TotalObjects,
            ReceivedObjects = transfer.ReceivedObjects,
            IndexedObjects = transfer.IndexedObjects,
            ReceivedBytes = transfer.ReceivedBytes,
        };
        onProgress(_progress);
        if (request.DiskLimitBytes > 0 && transfer.ReceivedBytes > request.DiskLimitBytes)
        {
            _diskLimitExceeded = true;
            return false;
        }

        return !cancellationToken.IsCancellationRequested;
    }

    private void OnCheckoutProgress(string path, int completedSteps, int totalSteps)
    {
        _progress = _progress with { CheckedOutFiles = completedSteps, TotalFilesToCheckOut = totalSteps };
        onProgress(_progress);
    }

    /// <summary>The remote's HEAD target (e.g. <c>main</c>), to name it when the requested branch is missing; null if unknown.</summary>
    private string? FindDefaultBranch()
    {
        try
        {
            CredentialsHandler? credentials = request.Credential is { } credential
                ? (_, _, _) => new UsernamePasswordCredentials { Username = credential.Username, Password = credential.Password }
                : null;
            var head = Repository.ListRemoteReferences(url.Value, credentials)
                .OfType<SymbolicReference>()
                .FirstOrDefault(reference => reference.CanonicalName == "HEAD");
            var target = head?.TargetIdentifier;
            return target?.StartsWith("refs/heads/", StringComparison.Ordinal) == true ? target["refs/heads/".Length..] : null;
        }
        catch (LibGit2SharpException)
        {
            // Only for a nicer message; the clone's own error stands.
            return null;
        }
    }
}
