"""Browser tests: Playwright driving Debian's Chromium against the live test server."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Playwright's sync API keeps an event loop running in this thread; the test's own database
# work is synchronous all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def outside_requests() -> list[str]:
    """Every request a page made to a host other than the test server's."""
    return []


def new_page(browser: Any, outside: list[str], *, width: int, height: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")

    def watch(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host not in {"localhost", "127.0.0.1"}:
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", watch)
    return context.new_page()


@pytest.fixture
def phone(browser: Any, outside_requests: list[str]) -> Iterator[Any]:
    page = new_page(browser, outside_requests, width=390, height=844)
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser: Any, outside_requests: list[str]) -> Iterator[Any]:
    page = new_page(browser, outside_requests, width=1280, height=900)
    yield page
    page.context.close()


def save_screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    """Into docs/screenshots when UPDATE_SCREENSHOTS=1, else the test's temporary folder."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
