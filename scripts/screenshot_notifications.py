"""Regenerate the inbox and notification email screenshots in docs/screenshots/.

    .venv/bin/python scripts/screenshot_notifications.py

Writes inbox-phone-zh.png (390 px, Chinese), inbox-desktop-en.png, email-offered-zh.png and
email-offered-en.png (the HTML part of notifications.channels.build_email for a seat offered with
its deadline, opened from a file in Chromium). They are taken by the browser test
tests/browser/test_inbox_in_browser.py::test_screenshots_of_the_inbox_and_the_email, which this
runs with UPDATE_SCREENSHOTS=1 (the same switch that rewrites the other screenshots). Needs
Debian's Chromium and fonts-noto-cjk (`apt-get install chromium fonts-noto-cjk`); run it again
once the notification strings are translated, so the Chinese shots show Chinese throughout.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/browser/test_inbox_in_browser.py::test_screenshots_of_the_inbox_and_the_email"


def main() -> int:
    env = {**os.environ, "UPDATE_SCREENSHOTS": "1", "REQUIRE_BROWSER": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
