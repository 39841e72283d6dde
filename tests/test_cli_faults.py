"""A fault of the program is one line and exit code 70, never a traceback; the details are one
environment variable away (WELCOME_CENTER_DEBUG=1)."""

from typer.testing import CliRunner

import welcome_center.cli.lookup as lookup
from welcome_center.cli import app


def broken(*_args, **_kwargs):
    raise ZeroDivisionError("division by zero")


def test_an_unexpected_error_is_one_line_with_exit_70(monkeypatch):
    monkeypatch.setattr(lookup, "route_profession", broken)
    monkeypatch.delenv("WELCOME_CENTER_DEBUG", raising=False)
    result = CliRunner().invoke(app, ["route", "Krankenschwester", "--district", "verden"])
    assert result.exit_code == 70
    assert "Internal error: ZeroDivisionError: division by zero" in result.output
    assert "WELCOME_CENTER_DEBUG=1" in result.output and "Traceback" not in result.output


def test_with_debug_set_the_error_itself_comes_through(monkeypatch):
    monkeypatch.setattr(lookup, "route_profession", broken)
    monkeypatch.setenv("WELCOME_CENTER_DEBUG", "1")
    result = CliRunner().invoke(app, ["route", "Krankenschwester", "--district", "verden"])
    assert isinstance(result.exception, ZeroDivisionError)
