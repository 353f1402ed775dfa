namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// One running web app per test class (an xunit class fixture) with its own data directory and an administrator
/// signed in through the API. Tests sharing it create their own workspaces (or users) and never count what others made.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    private TestApp? _app;
    private ApiClient? _admin;

    public TestApp App => _app ?? throw new InvalidOperationException("Not initialized.");

    public ApiClient Admin => _admin ?? throw new InvalidOperationException("Not initialized.");

    public virtual async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(await CreateSettingsAsync());
        _admin = await _app.CreateAdministratorAsync();
    }

    public virtual async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>Settings on top of the test defaults (data directory, quiet logging).</summary>
    protected virtual Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());
}
