using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Workspaces.EndToEnd.Tests.Infrastructure;

/// <summary>What every page owes a person whatever their screen and however they read it.</summary>
public static class PageChecks
{
    /// <summary>A phone, a laptop, a wide screen.</summary>
    public static readonly (int Width, int Height)[] Sizes = [(390, 844), (1280, 720), (1920, 1080)];

    /// <summary>An axe audit (WCAG) of the page as it is now: no serious or critical violation.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string where)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{where}:\n" + string.Join("\n", serious.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    /// <summary>Nothing sticks out sideways: the page does not scroll horizontally.</summary>
    public static async Task AssertNoSidewaysScrollAsync(IPage page, string where)
    {
        var measured = await page.EvaluateAsync<System.Text.Json.JsonElement>(
            """
            () => {
              const root = document.documentElement;
              const width = root.clientWidth;
              const culprit = [...document.querySelectorAll('body *')].find((e) => e.getBoundingClientRect().right > width + 1);
              return { scroll: root.scrollWidth, client: width, culprit: culprit ? culprit.outerHTML.slice(0, 160) : '' };
            }
            """);
        var (scroll, client, widest) = (measured.GetProperty("scroll").GetInt32(), measured.GetProperty("client").GetInt32(), measured.GetProperty("culprit").GetString());
        Assert.True(scroll <= client, $"{where}: the page scrolls sideways ({scroll} px wide in {client} px); first element past the edge: {widest}");
    }
}
