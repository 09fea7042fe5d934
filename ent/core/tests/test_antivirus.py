"""ent.core.antivirus against a real ClamAV daemon (UTI-CCO-CEL-19, UTI-UTL-ESF-09)."""

from __future__ import annotations

import pytest

from ent.core import antivirus
from ent.core.antivirus import Status
from ent.core.testing.clamd import EICAR, SIGNATURE, free_port, running_clamd, stop

pytestmark = pytest.mark.sdet("UTI-CCO-CEL-19", "UTI-UTL-ESF-09")

CLEAN_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_eicar_is_infected_and_named(clamd):
    verdict = antivirus.scan(EICAR)

    assert verdict.status is Status.INFECTED
    assert verdict.detail.startswith(SIGNATURE)
    assert not verdict.deliverable


def test_eicar_inside_a_larger_file_is_found(clamd):
    # Several INSTREAM chunks, EICAR in the middle.
    data = b"A" * 100_000 + EICAR + b"B" * 100_000

    assert antivirus.scan(data).status is Status.INFECTED


def test_clean_pdf_is_clean(clamd):
    verdict = antivirus.scan(CLEAN_PDF)

    assert verdict.status is Status.CLEAN
    assert verdict.deliverable


def test_unix_socket_is_used_when_configured(clamd, settings):
    settings.ENT_CLAMD_ADDRESS = ""
    settings.ENT_CLAMD_SOCKET = clamd.socket

    assert antivirus.scan(EICAR).status is Status.INFECTED
    assert antivirus.scan(CLEAN_PDF).status is Status.CLEAN


def test_stopped_daemon_is_unavailable_and_holds_the_content(settings):
    with running_clamd() as daemon:
        settings.ENT_CLAMD_SOCKET = ""
        settings.ENT_CLAMD_ADDRESS = daemon.address
        assert antivirus.scan(CLEAN_PDF).status is Status.CLEAN
        stop(daemon)

        verdict = antivirus.scan(CLEAN_PDF)

    assert verdict.status is Status.UNAVAILABLE
    assert verdict.detail
    assert not verdict.deliverable


def test_closed_port_is_unavailable(settings):
    settings.ENT_CLAMD_SOCKET = ""
    settings.ENT_CLAMD_ADDRESS = f"127.0.0.1:{free_port()}"

    assert antivirus.scan(EICAR).status is Status.UNAVAILABLE


def test_unconfigured_scanner_answers_unscanned_and_accepts(settings):
    settings.ENT_CLAMD_SOCKET = ""
    settings.ENT_CLAMD_ADDRESS = ""

    verdict = antivirus.scan(EICAR)

    assert not antivirus.configured()
    assert verdict.status is Status.UNSCANNED
    assert verdict.deliverable
