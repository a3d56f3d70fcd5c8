"""pytest fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), a real
samat-server per test module, and browser pages at phone and desk widths."""

from __future__ import annotations

import pytest

from samat import Server

CHROMIUM = "/usr/bin/chromium"
# The flags that keep Chromium off the network it cannot reach here (see the env notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PHONE = {"width": 360, "height": 800}
DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def new_page(browser):
    """Makes pages in fresh browser contexts (separate cookies), closed after the test."""
    contexts = []

    def make(viewport=DESK, **kw):
        ctx = browser.new_context(viewport=viewport, locale="fa-IR", **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for c in contexts:
        c.close()
