"""Browser tests: pytest-playwright driving Debian's chromium against pytest-django's live server.

Playwright cannot download its own browsers here, so the system chromium is launched with
the flags it needs in a container. The live server runs in a thread of this process, so
replacing `clock.today` here moves the date the served pages see too.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The sync Playwright API keeps an event loop running in this thread; Django would then refuse
# the ORM calls the tests make to build the world. The standard workaround for live-server tests:
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from e2e_helpers import PHONE, make_totp_device, make_user  # noqa: E402

from nof1.web.accounts.models import Role, User  # noqa: E402
from nof1.web.trials import clock  # noqa: E402

CHROMIUM = os.environ.get("NOF1_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip(f"no chromium at {CHROMIUM} (make installs it)", allow_module_level=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


class Today:
    """The services' today; `set` moves it for the tests and the live server alike."""

    def __init__(self, value: dt.date) -> None:
        self.value = value

    def set(self, when: dt.date) -> None:
        self.value = when


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Today:
    holder = Today(dt.date.today())
    monkeypatch.setattr(clock, "today", lambda: holder.value)
    return holder


@pytest.fixture
def people(transactional_db: None) -> dict[str, User]:
    """A clinician and a pharmacist (each with a confirmed authenticator) and a participant."""
    staff = {
        "clinician": make_user(Role.CLINICIAN, display_name="Dr Chen"),
        "pharmacist": make_user(Role.PHARMACIST, display_name="Priya"),
    }
    for user in staff.values():
        make_totp_device(user)
    return {**staff, "participant": make_user(Role.PARTICIPANT, display_name="Pat")}


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """new_page(phone=False) -> a page in a fresh browser context (its own cookies)."""
    contexts: list[Any] = []

    def make(*, phone: bool = False) -> Any:
        options: dict[str, Any] = {"base_url": live_server.url}
        if phone:
            options.update(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
