"""Outside text reaches the terminal only through welcome_center.cli.console.escape: a refused import
cell with a newline, ESC or U+202E shows as `\\n`, `\\x1b`, `<U+202E>`, and cannot forge a line."""

import json

from typer.testing import CliRunner

from adapters.settings import get_settings
from welcome_center.cli import app


def test_a_refused_cell_is_shown_escaped_in_the_import_report(tmp_path, monkeypatch):
    monkeypatch.setenv("WELCOME_CENTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("WELCOME_CENTER_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        data = ("Vorname;Nachname;Geburtsdatum;Landkreis;Sprache;Beruf\r\n"
                '"Olena\nOK: alle Zeilen importiert";Shevchenko;01.02.1990;verden;uk;Pflegefachfrau\r\n'
                "Iryna\x1b[2J;Koval\u202eknehcveS;01.02.1991;verden;uk;Pflegefachfrau\r\n")
        csv_file = tmp_path / "liste.csv"
        csv_file.write_bytes(data.encode("utf-8"))
        result = CliRunner().invoke(app, ["import", str(csv_file)])
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert not any(line.startswith("OK: alle Zeilen") for line in lines)  # no forged line
        assert "\x1b" not in result.output and "\u202e" not in result.output
        assert "\\nOK: alle Zeilen importiert" in result.output
        assert "Iryna\\x1b[2J" in result.output and "Koval<U+202E>knehcveS" in result.output

        as_json = CliRunner().invoke(app, ["import", str(csv_file), "--json"])
        assert "\u202e" not in as_json.stdout
        refused = json.loads(as_json.stdout)["refused"]
        assert {e["value"] for e in refused} >= {"Koval<U+202E>knehcveS"}  # shown as text, in JSON too
    finally:
        get_settings.cache_clear()
