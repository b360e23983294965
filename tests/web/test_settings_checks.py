"""The production settings: argon2 first, loud failures on bad environment values."""

import subprocess
import sys

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password


def test_argon2_is_the_production_password_hasher_and_works():
    from nof1.web import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    encoded = make_password("a long passphrase", hasher=Argon2PasswordHasher())
    assert encoded.startswith("argon2")
    assert check_password("a long passphrase", encoded)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"NOF1_DEBUG": "maybe"}, "NOF1_DEBUG must be 1 or 0"),
        ({"NOF1_DEBUG": "0"}, "NOF1_SECRET_KEY is not set"),
        ({"NOF1_DEBUG": "1", "NOF1_STAFF_IDLE_MINUTES": "soon"}, "NOF1_STAFF_IDLE_MINUTES"),
    ],
)
def test_bad_environment_values_stop_the_app_with_a_message_naming_them(env, says, tmp_path):
    clean = {"PATH": "/usr/bin:/bin", "NOF1_DATA_DIR": str(tmp_path), **env}
    done = subprocess.run(
        [sys.executable, "-c", "import nof1.web.settings"],
        env=clean, capture_output=True, text=True, check=False,
    )
    assert done.returncode != 0
    assert says in done.stderr
