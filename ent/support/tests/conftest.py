from __future__ import annotations

import pytest

from ent.rights.actions import install_default_grants

from .factories import academy_officer, new_ticket, operator


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def ticket(cast, grants):
    """A new ticket the pupil Léa opened in Collège X."""
    return new_ticket(cast)


@pytest.fixture
def op(db):
    return operator(email="support@example.org")


@pytest.fixture
def officer(db):
    return academy_officer()
