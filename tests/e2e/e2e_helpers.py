"""Helpers for the browser tests (imported by conftest.py and the test files)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from personas import PASSWORD, make_totp_device, make_user, totp_code  # noqa: E402,F401

from nof1.web.accounts.models import User  # noqa: E402

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def sign_in(page: Any, user: User, next_url: str = "/") -> None:
    """Sign in through the login page; staff also type their authenticator code."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if user.is_staff_role:
        page.wait_for_url(re.compile(r"/accounts/two-factor/"))
        page.fill("#id_code", totp_code(make_totp_device(user)))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.content()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page; the violations it finds."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run()")
    assert result["passes"], "axe-core checked nothing: was it injected?"
    return list(result["violations"])
