"""The Prefect server a flow command runs against (adapters.prefect_setup says which and why)."""

from __future__ import annotations

import os
from pathlib import Path

from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from adapters.prefect_server import PrefectServerFailed, TemporaryServer, healthy
from adapters.prefect_setup import EMBEDDED_DEFAULTS
from adapters.settings import get_settings
from adapters.up_state import running_up
from welcome_center.cli.console import fail

EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE (sysexits.h): the Prefect server is not there

_entered: list = []  # the settings context entered for the rest of this process


def ensure_prefect_api() -> str:
    """The API address of a running Prefect server, starting a temporary one if none is named or
    running; Prefect's settings point at it for the rest of this process."""
    url = get_current_settings().api.url
    if url:
        if not healthy(url, timeout=5):
            fail("Prefect", f"no Prefect server answers at {url} (PREFECT_API_URL). Start it (welcome-center up) "
                 "or unset PREFECT_API_URL to run with a temporary server.", EXIT_UNAVAILABLE)
        return url
    home = get_settings().home
    running = running_up(home)
    if running is not None and running.prefect_api and healthy(running.prefect_api, timeout=5):
        url = running.prefect_api
    else:
        try:
            prefect_home = Path(os.environ.get("PREFECT_HOME") or home / "prefect")
            url = TemporaryServer.api_for(prefect_home, EMBEDDED_DEFAULTS)
        except PrefectServerFailed as error:
            fail("Prefect", str(error), EXIT_UNAVAILABLE)
    context = temporary_settings(updates={PREFECT_API_URL: url})
    context.__enter__()
    _entered.append(context)
    return url
