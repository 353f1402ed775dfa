using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Workspaces.Web.Components.Shared;

/// <summary>
/// A component whose content belongs to a browser module of ClientApp (bundled into wwwroot/dist): after the first
/// render it imports the module and calls its <c>mount(…)</c>; when the page goes away it calls <c>dispose()</c> on what
/// mount returned. Blazor renders the host elements once and never their children.
/// </summary>
public abstract class ClientModuleComponent : ComponentBase, IAsyncDisposable
{
    private IJSObjectReference? _module;
    private IJSObjectReference? _mounted;

    [Inject]
    private IJSRuntime JS { get; set; } = null!;

    /// <summary>The bundle under wwwroot, e.g. <c>dist/editor.js</c> (served under its fingerprinted name).</summary>
    protected abstract string ModulePath { get; }

    /// <summary>The arguments of the module's <c>mount</c>, once the host elements are rendered.</summary>
    protected abstract object?[] MountArguments();

    /// <summary>What <c>mount</c> returned, once mounted: for later calls into the module.</summary>
    protected IJSObjectReference? Mounted => _mounted;

    /// <summary>Right after <c>mount</c>: to send the module what changed while it loaded.</summary>
    protected virtual Task OnMountedAsync() => Task.CompletedTask;

    /// <summary>After the module let go: to release what <see cref="MountArguments"/> handed it (a .NET reference).</summary>
    protected virtual void OnDisposed()
    {
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _module = await JS.InvokeAsync<IJSObjectReference>("import", $"/{Assets[ModulePath]}");
            _mounted = await _module.InvokeAsync<IJSObjectReference>("mount", MountArguments());
            await OnMountedAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_mounted is not null)
            {
                await _mounted.InvokeVoidAsync("dispose");
                await _mounted.DisposeAsync();
            }

            if (_module is not null)
            {
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone (the circuit with it); nothing to clean up there.
        }

        OnDisposed();
        GC.SuppressFinalize(this);
    }
}
