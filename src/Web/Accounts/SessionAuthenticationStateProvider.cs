using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Workspaces.Web.Accounts;

/// <summary>
/// A Blazor circuit's user, asked again every minute (a session ended on another replica) and at once when a session of
/// its user ends in this process (<see cref="CircuitSessions"/>). An ended session turns the circuit anonymous: its
/// pages show the sign-in page, whose request the ended cookie no longer passes.
/// </summary>
public sealed class SessionAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState Anonymous = new(new ClaimsPrincipal(new ClaimsIdentity()));
    private readonly SessionValidator _validator;
    private readonly CircuitSessions _circuits;

    public SessionAuthenticationStateProvider(ILoggerFactory loggerFactory, SessionValidator validator, CircuitSessions circuits)
        : base(loggerFactory)
    {
        _validator = validator;
        _circuits = circuits;
        AuthenticationStateChanged += task => _ = TrackAsync(task);
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        _validator.IsCurrentAsync(authenticationState.User, cancellationToken);

    /// <summary>Asks now; an ended session makes the circuit anonymous.</summary>
    public async Task RevalidateNowAsync(CancellationToken cancellationToken)
    {
        var state = await GetAuthenticationStateAsync();
        if (state.User.Identity?.IsAuthenticated == true && !await _validator.IsCurrentAsync(state.User, cancellationToken))
        {
            NotifyAuthenticationStateChanged(Task.FromResult(Anonymous));
        }
    }

    protected override void Dispose(bool disposing)
    {
        _circuits.Forget(this);
        base.Dispose(disposing);
    }

    private async Task TrackAsync(Task<AuthenticationState> task)
    {
        var user = (await task).User;
        if (SessionValidator.IsBrowserSession(user) && user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
        {
            _circuits.Track(this, userId);
        }
        else
        {
            _circuits.Forget(this);
        }
    }
}

/// <summary>The circuits (and server-rendered requests) of this process by user, so ending a session reaches them at once.</summary>
public sealed class CircuitSessions
{
    private readonly ConcurrentDictionary<SessionAuthenticationStateProvider, string> _circuits = new();

    public int Count => _circuits.Count;

    public void Track(SessionAuthenticationStateProvider circuit, string userId) => _circuits[circuit] = userId;

    public void Forget(SessionAuthenticationStateProvider circuit) => _circuits.TryRemove(circuit, out _);

    public async Task RevalidateAsync(string userId, CancellationToken cancellationToken)
    {
        foreach (var (circuit, owner) in _circuits.ToArray())
        {
            if (owner == userId)
            {
                await circuit.RevalidateNowAsync(cancellationToken);
            }
        }
    }
}
