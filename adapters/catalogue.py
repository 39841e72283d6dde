"""Reads the YAML files in data/ (with line numbers) and builds the catalogue (districts, bodies,
professions with their procedure families, countries) once per process. The checklist and reminder
rules are read by `adapters.rules`, the letter texts by `adapters.docx`.

The catalogue (professions with their search indexes, bodies, districts) takes about 0.15 s to build;
a command such as `welcome-center route` answers in less than that from a copy kept on disk
(`<state folder>/cache/catalogue-<fingerprint>.pickle`). The fingerprint is the SHA-256 of every
data file it was built from and of the rules' source (domain/*.py), so an adviser's correction to a
data file, or a new release, builds it afresh; a copy that cannot be read is built again.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import pickle
import sys
from dataclasses import replace
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import domain
from adapters.settings import get_settings
from adapters.storage import remove_quietly
from domain.catalogue import LINE, Catalogue, build_catalogue
from domain.countries import CountryTable, build_country_table
from domain.errors import CatalogueError


@lru_cache(maxsize=1)
def _line_loader():
    """A SafeLoader that records, in every mapping, the line of the mapping and of each field."""
    import yaml  # defers PyYAML: a look-up answered from the catalogue's copy on disk reads no YAML

    class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        def construct_mapping(self, node, deep=False):
            mapping = super().construct_mapping(node, deep=deep)
            mapping[LINE] = node.start_mark.line + 1
            for key_node, _ in node.value:
                mapping[f"{LINE}{key_node.value}"] = key_node.start_mark.line + 1
            return mapping

    return yaml, LineLoader


def read_yaml(path: Path, shown_as: str | None = None):
    name = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError(name, None, None, "(file)", "does not exist") from None
    except UnicodeDecodeError as error:
        raise CatalogueError(name, None, None, "(file)", f"is not UTF-8 ({error.reason}); save it as UTF-8") from None
    yaml, loader = _line_loader()
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CatalogueError(name, line, None, "(syntax)", str(getattr(error, "problem", error))) from None


CACHE_FORMAT = 1


def _catalogue_files(data_dir: Path) -> tuple[Path, Path, list[Path]]:
    professions = sorted((data_dir / "professions").glob("*.yaml"))
    if not professions:
        raise CatalogueError("data/professions", None, None, "(folder)", "holds no *.yaml file")
    return data_dir / "districts.yaml", data_dir / "bodies.yaml", professions


def catalogue_fingerprint(data_dir: Path) -> str:
    """SHA-256 over the data files the catalogue is built from and the source of the rules that build
    and use it (a changed rule may index the catalogue differently)."""
    districts, bodies, professions = _catalogue_files(data_dir)
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{sys.version_info[:2]}|{_installed('pycountry')}|{_installed('babel')}".encode())
    rules = sorted(Path(domain.__file__).parent.rglob("*.py"))
    for path in (*rules, districts, bodies, *professions, data_dir / "procedures.yaml", data_dir / "countries.yaml"):
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest()[:32]


def _installed(package: str) -> str:
    """Where a library is installed and when it was written: a new release of the country names
    builds the catalogue afresh (found without importing the library, which would cost its import)."""
    spec = find_spec(package)
    origin = Path(spec.origin) if spec and spec.origin else None
    return f"{origin}:{origin.stat().st_mtime_ns}" if origin and origin.exists() else f"{package}:none"


def load_catalogue_from(data_dir: Path, *, cache_dir: Path | None = None) -> Catalogue:
    """The catalogue built from `data_dir`; with `cache_dir`, read from the copy on disk when its
    fingerprint matches, else built and kept there (best effort: a read-only folder only costs time)."""
    cached = None
    if cache_dir is not None:
        cached = cache_dir / f"catalogue-{catalogue_fingerprint(data_dir)}.pickle"
        try:
            catalogue = pickle.loads(cached.read_bytes())
            if isinstance(catalogue, Catalogue):
                return catalogue
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            pass
    catalogue = replace(_build_catalogue(data_dir), countries=load_countries(data_dir))
    if cached is not None:
        _keep(catalogue, cached)
    return catalogue


def _build_catalogue(data_dir: Path) -> Catalogue:
    def shown(path: Path) -> str:
        return f"data/{path.relative_to(data_dir).as_posix()}"

    districts, bodies, professions = _catalogue_files(data_dir)
    procedures = data_dir / "procedures.yaml"
    return build_catalogue(
        districts=(shown(districts), read_yaml(districts, shown(districts))),
        bodies=(shown(bodies), read_yaml(bodies, shown(bodies))),
        professions=[(shown(p), read_yaml(p, shown(p))) for p in professions],
        procedures=(shown(procedures), read_yaml(procedures, shown(procedures))),
    )


def _keep(catalogue: Catalogue, path: Path) -> None:
    """Write the copy beside its name and rename it (two commands at once never read half a file);
    older copies go. Only a cache: a full or read-only disk leaves no partial file and no error."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(pickle.dumps(catalogue, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
        for old in path.parent.glob("catalogue-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        remove_quietly(partial)


@lru_cache(maxsize=4)
def load_catalogue(data_dir: Path | None = None) -> Catalogue:
    settings = get_settings()
    return load_catalogue_from(data_dir or settings.data_dir, cache_dir=settings.home / "cache")


@lru_cache(maxsize=4)
def load_countries(data_dir: Path | None = None) -> CountryTable:
    """Every country's codes and names from well-kept sources: ISO 3166-1 with its official German
    names (pycountry, which ships Debian's iso-codes: "Korea, Republik", "Syrien, Arabische Republik"),
    the Unicode CLDR names in German and English (Babel: "Südkorea", "Kosovo"), and the additions of
    data/countries.yaml (names advisers use besides those; the EU, the EEA and Switzerland)."""
    path = (data_dir or get_settings().data_dir) / "countries.yaml"
    data = read_yaml(path, "data/countries.yaml")
    if not isinstance(data, dict) or not isinstance(data.get("eu_eea_ch"), dict):
        raise CatalogueError("data/countries.yaml", 1, None, "eu_eea_ch", "is missing; list the eu, eea and ch members")
    # deferred: pycountry and Babel cost about 0.1 s to import, and the catalogue's copy on disk
    # already holds the table this builds
    import pycountry
    from babel import Locale

    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    cldr_de, cldr_en = Locale("de").territories, Locale("en").territories
    codes: list[tuple[str, str]] = []
    iso_names: list[tuple[str, str]] = []
    for entry in pycountry.countries:
        alpha2 = entry.alpha_2
        codes += [(alpha2, alpha2), (entry.alpha_3, alpha2)]
        for name in (entry.name, getattr(entry, "official_name", None), getattr(entry, "common_name", None)):
            if name:
                iso_names += [(name, alpha2), (german.gettext(name), alpha2)]
    codes += [("XK", "XK"), ("XKX", "XK")]  # Kosovo: not in ISO 3166-1; the code the EU and German authorities use
    aliases: list[tuple[str, str]] = []
    for entry in data.get("aliases") or []:
        code = str(entry.get("code", "")).upper()
        if code not in dict(codes).values():
            raise CatalogueError("data/countries.yaml", entry.get(LINE), code, "code", "is not an ISO 3166-1 alpha-2 code")
        aliases += [(str(name), code) for name in entry.get("names") or []]
    cldr = [(name, code) for territories in (cldr_de, cldr_en) for code, name in territories.items()
            if len(code) == 2 and code.isalpha()]
    known = {alpha2 for _, alpha2 in codes}
    members = []
    for group in ("eu", "eea", "ch"):
        for code in data["eu_eea_ch"].get(group) or []:
            if not isinstance(code, str) or code.upper() not in known:
                raise CatalogueError("data/countries.yaml", data["eu_eea_ch"].get(f"{LINE}{group}"), group, group,
                                     f"{code!r} is not an ISO 3166-1 alpha-2 code (write NO in quotes: YAML reads it as false)")
            members.append(code.upper())
    return build_country_table(
        codes=codes, names=[*aliases, *iso_names, *cldr],
        names_de={code: name for code, name in cldr_de.items() if len(code) == 2},
        eu_eea_ch=members,
    )
