"""Where seed.json and the migrations are: beside the package in a checkout, inside it
once installed from a wheel (the build copies them to app/bundled/)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent


def _find(name: str) -> Path:
    bundled = PACKAGE_DIR / "bundled" / name
    if bundled.exists():
        return bundled
    return CHECKOUT_DIR / name


def seed_path() -> Path:
    return _find("seed.json")


def migrations_path() -> Path:
    return _find("migrations")
