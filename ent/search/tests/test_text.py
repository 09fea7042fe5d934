"""Folding, parsing and highlighting, shared by both engines."""

from __future__ import annotations

from ent.search.text import clean_input, fold, index_terms, parse_query, snippet


def test_folding_removes_case_accents_and_ligatures():
    assert fold("Éloïse CŒUR Æther ﬁn Straße") == "eloise coeur aether fin strasse"


def test_the_index_keeps_words_only():
    assert index_terms("L'élève (3eA) — « très » bien!", "jean-pierre@ac-x.fr") == (
        "l eleve 3ea tres bien jean pierre ac x fr"
    )


def test_a_query_is_made_of_words_and_quoted_phrases_only():
    query = parse_query('Éloïse "conseil de  classe" OR NEAR( * "')
    assert query.phrases == (("eloise",), ("conseil", "de", "classe"), ("or",), ("near",))
    assert not parse_query('*** "" ()')
    assert len(parse_query(" ".join(f"w{number}" for number in range(50))).phrases) == 8


def test_control_characters_are_dropped():
    assert clean_input("a\x00b\nc\u200bd") == "abcd"


def test_an_extract_marks_whole_words_that_start_like_the_query():
    segments = snippet("Une ŒUVRE d'Éloïse, œuvrée", parse_query("oeuvre eloi"))
    assert [(segment.text, segment.is_match) for segment in segments] == [
        ("Une ", False),
        ("ŒUVRE", True),
        (" d'", False),
        ("Éloïse", True),
        (", ", False),
        ("œuvrée", True),
    ]
