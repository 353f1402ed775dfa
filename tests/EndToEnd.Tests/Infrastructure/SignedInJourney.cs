using Workspaces.TestSupport.Git;

namespace Workspaces.EndToEnd.Tests.Infrastructure;

/// <summary>A journey against a fresh app whose first account (its administrator) is <see cref="Email"/>, with Git repositories made for it.</summary>
public abstract class SignedInJourney(string email) : IAsyncLifetime
{
    protected string Email { get; } = email;

    protected GitRepositoryFixture Repositories { get; } = new();

    protected WorkspacesApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = WorkspacesApp.Start();
        await App.CreateFirstAccountAsync(Email, Accounts.Password);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Repositories.Dispose();
    }
}
