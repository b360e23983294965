"""Fixtures for the web tests: one persona per role, and signed-in clients for them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from personas import make_user, sign_in

from nof1.web.accounts.models import Role, User


@pytest.fixture
def participant(db: None) -> User:
    return make_user(Role.PARTICIPANT, display_name="Pat")


@pytest.fixture
def other_participant(db: None) -> User:
    return make_user(Role.PARTICIPANT, display_name="Robin")


@pytest.fixture
def clinician(db: None) -> User:
    return make_user(Role.CLINICIAN, display_name="Dr Chen")


@pytest.fixture
def other_clinician(db: None) -> User:
    return make_user(Role.CLINICIAN, display_name="Dr Okafor")


@pytest.fixture
def pharmacist(db: None) -> User:
    return make_user(Role.PHARMACIST, display_name="Priya")


@pytest.fixture
def researcher(db: None) -> User:
    return make_user(Role.RESEARCHER, display_name="Rui")


@pytest.fixture
def admin(db: None) -> User:
    return make_user(Role.ADMIN, display_name="Ada")


@pytest.fixture
def client_for(db: None) -> Callable[..., Client]:
    """client_for(user) -> a new Client signed in as user (staff: second factor passed)."""

    def make(user: User, *, verified: bool = True, enforce_csrf_checks: bool = False) -> Client:
        return sign_in(Client(enforce_csrf_checks=enforce_csrf_checks), user, verified=verified)

    return make
