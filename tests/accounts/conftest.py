import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache

# The password tests/factories.py gives every user.
PASSWORD = "pw-for-tests"
LINK = re.compile(r"https?://testserver(/\S+)")


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Throttling counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def deliver(django_capture_on_commit_callbacks: Any) -> Callable[[], AbstractContextManager[Any]]:
    """`with deliver():` runs the block and then its on-commit callbacks, as a commit would.

    Mail is sent on commit; the test's own transaction never commits.
    """
    return partial(django_capture_on_commit_callbacks, execute=True)


def link_in(message: mail.EmailMessage) -> str:
    """The path of the one link in a mail's plain text (which also is in its HTML part)."""
    links = set(LINK.findall(message.body))
    assert len(links) == 1, message.body
    path = links.pop()
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert path in str(html)
    return path
