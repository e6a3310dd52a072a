"""axe-core in the page: the WCAG 2.1 A/AA violations a real browser finds, critical and serious ones first.

axe-core comes from npm into tests/e2e/axe (scripts/test.sh installs it from the lock file); it is
injected into the page under test, never fetched by the page itself.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")


def violations(page: Page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """The violations of `impacts` on the page as it is now, each with the rule, its help and the first nodes."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    return [v for v in found if v["impact"] in impacts]


def describe(found: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found)
