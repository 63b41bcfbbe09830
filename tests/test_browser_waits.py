"""The browser tests wait on conditions, never on the clock (issue 14, item 18).

On a busy two-core machine a page can take seconds; a fixed sleep or a short timeout then fails
a test that is right. This reads every file under tests/browser/ and refuses: `time.sleep`,
`wait_for_timeout`, a `timeout=` or `set_default_timeout` shorter than the suite's limit, and a
browser context opened without `new_context()` (which gives it the suite's timeouts).
"""

import ast
from pathlib import Path

import pytest

from tests.browser.conftest import TIMEOUT_MS

BROWSER_TESTS = sorted((Path(__file__).parent / "browser").glob("*.py"))


def problems_in(source: str, *, name: str = "<test>") -> list[str]:
    """Every fixed wait or short timeout in a browser test's source, as 'name:line: why'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        where = f"{name}:{node.lineno}"
        if called in {"sleep", "wait_for_timeout"}:
            found.append(f"{where}: {called}() waits on the clock; wait with expect() on a condition")
        if called == "new_context" and isinstance(func, ast.Attribute):
            found.append(f"{where}: browser.new_context(); use tests.browser.conftest.new_context()")
        limits = [kw.value for kw in node.keywords if kw.arg == "timeout"]
        if called in {"set_default_timeout", "set_default_navigation_timeout"}:
            limits += node.args[:1]
        for limit in limits:
            if isinstance(limit, ast.Constant) and isinstance(limit.value, int | float):
                if limit.value < TIMEOUT_MS:
                    found.append(f"{where}: a timeout of {limit.value} ms is shorter than {TIMEOUT_MS}")
    return found


def test_the_browser_tests_exist():
    assert len(BROWSER_TESTS) >= 5


@pytest.mark.parametrize("path", BROWSER_TESTS, ids=lambda p: p.name)
def test_a_browser_test_never_sleeps_nor_uses_a_short_timeout(path):
    if path.name == "conftest.py":
        # conftest defines new_context() itself, the one place that calls browser.new_context().
        source = path.read_text().replace("browser.new_context(", "browser_new_context(")
    else:
        source = path.read_text()
    assert problems_in(source, name=path.name) == []


@pytest.mark.parametrize(
    "line",
    [
        "import time\ntime.sleep(1)",
        "page.wait_for_timeout(500)",
        "expect(page.locator('h1')).to_have_text('x', timeout=2000)",
        "context.set_default_timeout(10_000)",
        "context = browser.new_context(base_url='/')",
    ],
)
def test_the_check_finds_each_kind_of_fixed_wait(line):
    assert problems_in(line) != []


def test_the_suite_waits_generously_by_default():
    assert TIMEOUT_MS >= 30_000
