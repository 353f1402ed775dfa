using Microsoft.AspNetCore.Builder;
using Workspaces.TestSupport.Files;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Tests.Hosting;

/// <summary>The web app started from another directory still runs with the settings it ships with (quiet per-request logging).</summary>
public sealed class ShippedSettingsTests
{
    [Fact]
    public void WebApp_StartedFromADirectoryWithoutSettings_ReadsTheOnesNextToIt()
    {
        using var elsewhere = TempDirectory.Create("ws-cwd");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = elsewhere.Path }).UseShippedSettings();

        Assert.Equal("Warning", builder.Configuration["Logging:LogLevel:Yarp"]);
        Assert.Equal("None", builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"]);
    }

    [Fact]
    public void WebApp_StartedFromAnotherDirectory_EnvironmentAndCommandLineStillWin()
    {
        using var elsewhere = TempDirectory.Create("ws-cwd");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = elsewhere.Path, Args = ["--Logging:LogLevel:Yarp=Debug"] })
            .UseShippedSettings();

        Assert.Equal("Debug", builder.Configuration["Logging:LogLevel:Yarp"]);
    }

    [Fact]
    public void WebApp_StartedFromADirectoryWithItsOwnSettings_UsesThoseAlone()
    {
        using var elsewhere = TempDirectory.Create("ws-cwd");
        File.WriteAllText(Path.Combine(elsewhere.Path, "appsettings.json"), """{ "Logging": { "LogLevel": { "Default": "Error" } } }""");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = elsewhere.Path }).UseShippedSettings();

        Assert.Equal("Error", builder.Configuration["Logging:LogLevel:Default"]);
        Assert.Null(builder.Configuration["Logging:LogLevel:Yarp"]);
    }
}
