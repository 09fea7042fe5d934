"""Full-text matching on the engine of the run (SQLite FTS5, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.db import connection

from ent.search import backends
from ent.search.models import SearchEntry
from ent.search.text import parse_query

from .factories import note
from .helpers import search, titles

pytestmark = [pytest.mark.django_db, pytest.mark.sdet("UTI-IDO-REC-06", "SOC-POR-MDR-07")]


def test_accents_case_and_ligatures_do_not_matter(cast, reindex):
    note(cast.pupil, "Éloïse Lefèvre", "Le cœur de l'ŒUVRE, chapitre Ⅱ")
    reindex()
    for text in ("eloise", "ÉLOÏSE", "Eloïse", "lefevre", "LEFÈVRE", "coeur", "œuvre", "OEUVRE"):
        assert titles(cast.pupil, text) == ["Éloïse Lefèvre"], text


def test_words_are_found_from_their_beginning_only(cast, reindex):
    note(cast.pupil, "Contrôle", "mathématiques du trimestre")
    reindex()
    assert titles(cast.pupil, "mathém") == ["Contrôle"]
    assert titles(cast.pupil, "m") == ["Contrôle"]
    assert titles(cast.pupil, "ematiques") == []


def test_every_word_must_be_found(cast, reindex):
    note(cast.pupil, "Sortie au musée", "rendez-vous devant le collège")
    reindex()
    assert titles(cast.pupil, "sortie college") == ["Sortie au musée"]
    assert titles(cast.pupil, "sortie piscine") == []


def test_a_quoted_phrase_needs_its_words_side_by_side_in_order(cast, reindex):
    note(cast.pupil, "Compte rendu", "le conseil de classe du 3e trimestre")
    note(cast.pupil, "Autre", "la classe prépare le conseil")
    reindex()
    assert titles(cast.pupil, '"conseil de classe"') == ["Compte rendu"]
    assert titles(cast.pupil, '"conseil de cla"') == ["Compte rendu"]
    assert sorted(titles(cast.pupil, "conseil classe")) == ["Autre", "Compte rendu"]


@pytest.mark.parametrize(
    "text",
    [
        '"foo" OR',
        "*",
        "NEAR(",
        "NEAR(eloise devoir, 2)",
        "eloise AND",
        "OR",
        '"',
        '"""',
        "'",
        "' OR 1=1 --",
        "eloise)",
        "(eloise",
        "eloise:*",
        "!eloise & | <->",
        "\\",
        "%_%",
        "{title_terms body_terms}: eloise",
        "title_terms:eloise",
        "^eloise",
        "-eloise",
        "a\x00b",
        "😀 ∑ ‰",
        "x" * 5000,
        " ".join(f"mot{number}" for number in range(100)),
    ],
)
@pytest.mark.sdet("UTI-IDO-REC-01")
def test_hostile_syntax_never_fails(cast, reindex, text):
    note(cast.pupil, "Éloïse", "devoir de français")
    reindex()
    results = search(cast.pupil, text)
    assert results.problem in {"", "no_words"}
    assert all(hit.title == "Éloïse" for hit in results.hits)


def test_operators_are_searched_as_plain_words(cast, reindex):
    note(cast.pupil, "Near the school", "or and not")
    reindex()
    assert titles(cast.pupil, "NEAR(") == ["Near the school"]
    assert titles(cast.pupil, "and OR not") == ["Near the school"]


def test_a_match_in_the_title_ranks_above_one_in_the_text(cast, reindex):
    note(cast.pupil, "Divers", "il faudra parler de la piscine un jour")
    note(cast.pupil, "Piscine", "sortie du jeudi")
    reindex()
    assert titles(cast.pupil, "piscine") == ["Piscine", "Divers"]


def test_the_full_text_structures_of_the_engine_exist_and_serve_the_search(cast, reindex):
    note(cast.pupil, "Piscine", "sortie du jeudi")
    reindex()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # A migration that rebuilds the table on SQLite would drop these triggers.
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            assert {
                "search_entry_fts_insert",
                "search_entry_fts_update",
                "search_entry_fts_delete",
            } <= triggers
            cursor.execute(
                "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('integrity-check')"
            )
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            sql, params = _match_sql("piscine")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "search_entry_vector" in plan, plan


def _match_sql(text):
    entries = backends.matching(SearchEntry.objects.all(), parse_query(text))
    return entries.query.sql_with_params()


def test_an_updated_entry_is_found_by_its_new_words_only(cast, reindex):
    event = note(cast.pupil, "Piscine", "sortie du jeudi")
    reindex()
    SearchEntry.objects.filter(object_id=event.pk).update(title_terms="patinoire")
    assert titles(cast.pupil, "patinoire") == ["Piscine"]
    assert titles(cast.pupil, "piscine") == []
