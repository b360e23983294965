"""The start page: each role sees its role and the links that work for it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from personas import make_user

from nof1.web.accounts.models import Role

pytestmark = pytest.mark.django_db

HOME = reverse("home")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_its_role_and_working_links(client_for, role):
    response = client_for(make_user(role)).get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"signed in as a <strong>{role.label.lower()}</strong>" in page
    for name in ("accounts:password_change", "accounts:logout"):
        assert reverse(name) in page
    for link in _links(page):
        assert client_for(make_user(role)).get(link).status_code in (200, 405), link


def _links(page: str) -> list[str]:
    return [href for href in re.findall(r'href="(/[^"]*)"', page) if not href.startswith("/static")]


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.PHARMACIST, Role.RESEARCHER, Role.ADMIN])
def test_staff_see_their_two_factor_settings(client_for, role):
    page = client_for(make_user(role)).get(HOME).content.decode()
    assert reverse("accounts:two_factor_setup") in page


def test_participants_see_no_two_factor_or_invite_links(client_for, participant):
    page = client_for(participant).get(HOME).content.decode()
    assert reverse("accounts:two_factor_setup") not in page
    assert reverse("accounts:invite") not in page


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMIN])
def test_people_who_may_invite_see_the_invite_link(client_for, role):
    page = client_for(make_user(role)).get(HOME).content.decode()
    assert reverse("accounts:invite") in page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(HOME)["Location"].startswith(reverse("accounts:login"))


def test_a_display_name_is_shown_escaped(client_for):
    user = make_user(Role.PARTICIPANT, display_name="<script>alert(1)</script>")
    page = client_for(user).get(HOME).content
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_every_page_sends_the_csrf_token_on_htmx_requests(client_for, participant):
    page = client_for(participant).get(HOME).content.decode()
    assert '<body hx-headers=\'{"X-CSRFToken": "' in page
