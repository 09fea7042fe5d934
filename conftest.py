"""Shared fixtures: the cast, the shared SDET samples and a demo académie on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["ent.core.testing.conformity"]

REPO = Path(__file__).resolve().parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def cast(db):
    from ent.directory.testing import build_cast

    return build_cast()


@pytest.fixture
def shared_samples() -> Path:
    """The public AAF samples that CI always has beside the repository (../shared)."""
    path = SHARED / "samples" / "aaf"
    assert path.is_dir(), f"{path} is missing: CI clones the project beside shared/"
    return path


@pytest.fixture(scope="session")
def academy(tmp_path_factory) -> Path:
    """A small generated académie (Complet and Delta, both degrees), written once per worker."""
    from ent.directory.demo import generate_academy

    folder = tmp_path_factory.mktemp("academy")
    generate_academy(folder, people=400, seed=7)
    return folder


@pytest.fixture(scope="session")
def clamd_daemon():
    """A real ClamAV daemon (with the project's EICAR signatures), one per test worker."""
    from ent.core.testing.clamd import running_clamd

    with running_clamd() as daemon:
        yield daemon


@pytest.fixture
def clamd(clamd_daemon, settings):
    """Point ent.core.antivirus at the real daemon (ENT_CLAMD_ADDRESS) for one test."""
    assert clamd_daemon.ping(), "the shared clamd stopped: stop only your own running_clamd()"
    settings.ENT_CLAMD_SOCKET = ""
    settings.ENT_CLAMD_ADDRESS = clamd_daemon.address
    return clamd_daemon


@pytest.fixture
def english_ui(settings):
    """Run a test in the English interface: its assertions read the English wording, whatever
    the French catalogue says (the catalogue's completeness is checked by `make lint`)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
