"""config/gunicorn.py: gunicorn reads it, and its hooks do what docs/performance.md measured."""

import gc
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gunicorn.app.base import Application

CONFIG = Path(__file__).resolve().parent.parent / "config" / "gunicorn.py"


class _Loaded(Application):
    """gunicorn's own loading of a config file, without its command line."""

    def init(self, parser: Any, opts: Any, args: Any) -> None:
        return None

    def load_config(self) -> None:
        self.load_config_from_file(str(CONFIG))

    def load(self) -> Any:
        raise AssertionError("not served")


@pytest.fixture
def cfg() -> Any:
    return _Loaded().cfg


@pytest.fixture
def frozen_restored() -> Iterator[None]:
    yield
    gc.unfreeze()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_gunicorn_takes_the_hooks_from_the_file(cfg: Any) -> None:
    module = sys.modules["__config__"]  # where gunicorn executes a config file
    assert cfg.post_worker_init is module.post_worker_init
    assert cfg.post_request is module.post_request
    # The worker model stays the command line's (docs/deployment.md, the bench's --workers).
    assert cfg.workers == 1
    assert cfg.threads == 1
    assert cfg.preload_app is False


def test_a_worker_starts_warm_and_frozen(cfg: Any, frozen_restored: None) -> None:
    from django.urls import clear_url_caches, get_resolver

    clear_url_caches()
    assert gc.get_freeze_count() == 0
    cfg.post_worker_init(None)
    assert gc.get_freeze_count() > 0
    assert "url_patterns" in vars(get_resolver())  # the URL conf (every view) is loaded


def test_requests_collect_the_cycles_left_behind_every_few(cfg: Any) -> None:
    every = sys.modules["__config__"].COLLECT_EVERY
    enabled = gc.isenabled()
    gc.disable()  # only the hook may collect here
    try:
        ref = weakref.ref(_Cycle())
        assert ref() is not None  # a cycle: no reference count reaches zero
        for _ in range(every):
            cfg.post_request(None, None, {}, None)
        assert ref() is None  # collected within COLLECT_EVERY requests
        ref = weakref.ref(_Cycle())
        cfg.post_request(None, None, {}, None)
        assert ref() is not None  # and not by every request: a collection costs
    finally:
        if enabled:
            gc.enable()
