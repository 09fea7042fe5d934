"""What the search service finds of the directory: people, by name only (SOC-POR-MDR-04).

Only the name is indexed: details and presentations stay on the person's card, where
`visible_details` filters them for each viewer. `visible_to` is the white pages' own rule.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource
from ent.directory.models import User

from .queries import SERVICE, directory_people

SOURCES = (
    SearchSource(
        code="addressbook.person",
        label=_("People"),
        model=User,
        text=lambda person: (person.display_name,),
        url=lambda person: reverse("addressbook:person", args=[person.uuid]),
        visible_to=directory_people,
        service=SERVICE,
    ),
)
