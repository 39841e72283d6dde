"""The catalogue's copy on disk (adapters.catalogue): the look-up commands answer from it, and an
adviser's correction to a data file is never hidden behind a stale copy."""

import shutil

from adapters.catalogue import load_catalogue_from
from domain.routing import route
from tests.conftest import ROOT


def test_a_corrected_data_file_is_read_at_once_not_the_copy_on_disk(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("local"))
    cache = tmp_path / "cache"
    first = load_catalogue_from(data, cache_dir=cache)
    assert len(list(cache.glob("catalogue-*.pickle"))) == 1
    assert route("Krankenschwester", "verden", first).body.key == "ls_lueneburg"

    bodies = data / "bodies.yaml"
    bodies.write_text(bodies.read_text(encoding="utf-8").replace("4SL3@ls.niedersachsen.de", "neu@ls.niedersachsen.de"),
                      encoding="utf-8")
    corrected = load_catalogue_from(data, cache_dir=cache)
    assert corrected.bodies["ls_lueneburg"].email == "neu@ls.niedersachsen.de"
    assert len(list(cache.glob("catalogue-*.pickle"))) == 1  # the stale copy is gone


def test_a_damaged_copy_is_built_again(tmp_path):
    cache = tmp_path / "cache"
    load_catalogue_from(ROOT / "data", cache_dir=cache)
    (copy,) = cache.glob("catalogue-*.pickle")
    copy.write_bytes(b"not a pickle")
    again = load_catalogue_from(ROOT / "data", cache_dir=cache)
    assert route("Elektroniker", "osterholz", again).matched
    assert copy.read_bytes().startswith(b"\x80")  # rewritten as a pickle


def test_an_unwritable_cache_folder_costs_time_only(tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be")
    assert route("Krankenschwester", "verden", load_catalogue_from(ROOT / "data", cache_dir=blocked)).matched
