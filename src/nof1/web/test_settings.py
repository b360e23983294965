"""Settings for the test suite: the real settings, in debug mode, with a fast password hasher.

Argon2 stays the production hasher (tests/web check it is configured); hashing every persona's
password with it would only slow the suite down.
"""

import os
import tempfile

os.environ.setdefault("NOF1_DEBUG", "1")
os.environ.setdefault("NOF1_DATA_DIR", tempfile.mkdtemp(prefix="nof1-test-"))

from nof1.web.settings import *  # noqa: E402,F403
from nof1.web.settings import PASSWORD_HASHERS as PRODUCTION_PASSWORD_HASHERS  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PRODUCTION_PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
