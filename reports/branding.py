"""Clinic branding for the PDF header, letter and handout, read from a small TOML file.

Where: `CLINIC_CONFIG` (environment) if set, otherwise `clinic.toml` at the repository root.
No file at the default place means neutral defaults; a file that is wrong gives a
`BrandingError` whose message names the file and the field, never a traceback from deep
inside the PDF code. See `clinic.example.toml` for every field.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from intake.errors import ConfigurationError

__all__ = ["DEFAULT_CONFIG", "SETTING_FIELDS", "Branding", "BrandingError", "check_logo", "load_branding", "with_settings"]

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "clinic.toml"
NEUTRAL_LOGO = Path(__file__).resolve().parent / "assets" / "logo-neutral.png"
MAX_LOGO_BYTES = 2_000_000

_TEXT_FIELDS = ("name", "phone", "email", "website", "practitioner", "registration", "emergency_number", "urgent_advice",
                "timezone")
_FIELDS = (*_TEXT_FIELDS, "address", "logo", "accent", "paper")


class BrandingError(ConfigurationError):
    """The clinic configuration is wrong; the message names the file and the field."""


@dataclass(frozen=True)
class Branding:
    name: str = "Physiotherapy clinic"
    address: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    logo: Path | None = NEUTRAL_LOGO
    accent: str = "#1f5f8b"
    practitioner: str | None = None
    registration: str | None = None
    emergency_number: str | None = None
    urgent_advice: str | None = None
    paper: str = "a4"
    #: IANA time zone for times printed on documents (e.g. "Europe/London"); None: the server's own.
    timezone: str | None = None

    @property
    def contact_lines(self) -> list[str]:
        """Phone, email and website, as printed under the clinic's name."""
        out = []
        if self.phone:
            out.append(f"Tel. {self.phone}")
        if self.email:
            out.append(self.email)
        if self.website:
            out.append(self.website)
        return out


def _fail(where: Path, field: str, message: str) -> BrandingError:
    return BrandingError(f"{where}: field {field!r}: {message}")


def _parse(data: dict, where: Path) -> Branding:
    unknown = [k for k in data if k not in _FIELDS]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), _FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known fields: {', '.join(_FIELDS)})"
        raise _fail(where, str(key), f"unknown field{hint}")
    values: dict[str, object] = {}
    for key in _TEXT_FIELDS:
        if key in data:
            value = data[key]
            if not isinstance(value, str):
                raise _fail(where, key, f"must be text in quotes, got {type(value).__name__}")
            if len(value) > 200:
                raise _fail(where, key, "is longer than 200 characters")
            values[key] = value.strip() or None
    if values.get("name") is None:
        values.pop("name", None)
    if "address" in data:
        address = data["address"]
        if isinstance(address, str):
            address = [address]
        if not isinstance(address, list) or not all(isinstance(line, str) for line in address):
            raise _fail(where, "address", "must be a list of text lines, e.g. address = [\"1 High Street\", \"Town\"]")
        if len(address) > 6:
            raise _fail(where, "address", "has more than 6 lines")
        values["address"] = tuple(line.strip() for line in address if line.strip())
    if "accent" in data:
        accent = data["accent"]
        if not isinstance(accent, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", accent):
            raise _fail(where, "accent", f"must be a colour like \"#1f5f8b\", got {accent!r}")
        values["accent"] = accent
    if "paper" in data:
        paper = data["paper"]
        if paper not in ("a4", "letter"):
            raise _fail(where, "paper", f"must be \"a4\" or \"letter\", got {paper!r}")
        values["paper"] = paper
    if values.get("timezone"):
        _check_zone(str(values["timezone"]), where)
    if "logo" in data:
        values["logo"] = _logo(data["logo"], where)
    return Branding(**values)  # type: ignore[arg-type]


def _check_zone(zone: str, where: Path) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(where, "timezone", f"must be a time zone name like \"Europe/London\", got {zone!r}") from None


#: What a clinic administrator sets in the app (the name is the clinic's own; the practitioner signs in).
SETTING_FIELDS = ("address", "phone", "email", "website", "registration", "emergency_number", "urgent_advice",
                  "accent", "paper", "timezone")


def with_settings(base: Branding, settings: dict, *, name: str | None = None, logo: Path | bool | None = True) -> Branding:
    """`base` (clinic.toml or the defaults) with the clinic's own settings from the app laid over it.

    `settings` holds only SETTING_FIELDS and is checked exactly as clinic.toml is (the error names the
    field); `logo` is the clinic's own image file, None for no logo, True to keep the base's.
    """
    where = Path("clinic settings")
    unknown = [k for k in settings if k not in SETTING_FIELDS]
    if unknown:
        raise _fail(where, unknown[0], "is not a clinic setting")
    parsed = _parse(settings, where)
    values = {key: getattr(parsed, key) for key in settings}
    if name:
        values["name"] = name
    if logo is not True:
        values["logo"] = logo
    return replace(base, **values)


def check_logo(data: bytes) -> str:
    """The file suffix of an uploaded logo (".png" or ".jpg"), or a BrandingError saying why it is refused."""
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError("logo: the image is larger than 2 MB; use a smaller one")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    raise BrandingError("logo: only a PNG or JPEG image can be used")


def _logo(value: object, where: Path) -> Path | None:
    if value in ("", False):
        return None  # the clinic asked for no logo
    if not isinstance(value, str):
        raise _fail(where, "logo", "must be the path of a PNG or JPEG file, in quotes")
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (where.parent / path).resolve()
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise _fail(where, "logo", f"must be a PNG or JPEG file, got {path.name!r}")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        raise _fail(where, "logo", f"file not found: {path}") from None
    if size > MAX_LOGO_BYTES:
        raise _fail(where, "logo", f"{path.name} is larger than 2 MB; use a smaller image")
    if not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8")):
        raise _fail(where, "logo", f"{path.name} is not a PNG or JPEG image")
    return path


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> Branding:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrandingError(f"{path}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BrandingError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise BrandingError(f"{path}: not valid TOML: {exc}") from None
    return _parse(data, path)


def load_branding(path: str | os.PathLike[str] | None = None) -> Branding:
    """The clinic's branding: from `path`, else `$CLINIC_CONFIG`, else `clinic.toml`, else defaults."""
    explicit = path if path is not None else os.environ.get("CLINIC_CONFIG") or None
    chosen = Path(explicit) if explicit else DEFAULT_CONFIG
    try:
        mtime = chosen.stat().st_mtime_ns
    except OSError:
        if explicit:
            raise BrandingError(f"{chosen}: clinic configuration file not found") from None
        return Branding()
    return _load(chosen.resolve(), mtime)
