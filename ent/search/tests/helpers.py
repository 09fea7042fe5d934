from __future__ import annotations

from ent.rights.queries import effective_rights
from ent.search.queries import Criteria, SearchResults, search_results


def search(person, text="", *, page=1, **criteria) -> SearchResults:
    """Search as `person` with their rights of now."""
    return search_results(
        person=person,
        rights=effective_rights(person),
        criteria=Criteria(text=text, **criteria),
        page=page,
    )


def titles(person, text="", **criteria) -> list[str]:
    """Return the titles of the first page of a search, in their order."""
    return [hit.title for hit in search(person, text, **criteria).hits]
