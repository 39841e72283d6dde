import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def catalogue():
    from welcome_center.catalogue import load_catalogue_from

    return load_catalogue_from(ROOT / "data")


@pytest.fixture(scope="session")
def cli_env():
    """Environment for running the CLI as a subprocess, as a newcomer would."""
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(scope="session")
def cli_command():
    return [sys.executable, "-m", "welcome_center"]
