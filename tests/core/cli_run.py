"""`nof1(capsys, *args)`: run the `nof1` command in-process, as the console script does.

Shared by the command-line tests (`from cli_run import nof1`). Returns (exit status, stdout,
stderr). An exception escaping the command fails the test: a user would see a traceback.
"""

from __future__ import annotations

import pytest

from nof1.cli import main


def nof1(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # what a user would see as a traceback
        capsys.readouterr()
        raise AssertionError(f"nof1 {args} let {exc!r} escape: a user sees a traceback") from exc
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err
