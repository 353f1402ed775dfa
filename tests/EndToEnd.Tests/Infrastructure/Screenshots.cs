using Microsoft.Playwright;

namespace Workspaces.EndToEnd.Tests.Infrastructure;

/// <summary>PNGs of what the user saw, in <c>screenshots/</c> of the test output, for a person to look at.</summary>
public static class Screenshots
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task<string> TakeAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
