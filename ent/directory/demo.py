"""Generate a deterministic synthetic académie as AAF XML feeds (Complet and Delta, 1D and 2D)."""

from __future__ import annotations

import json
import os
import random
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final, Generic, TextIO, TypeAlias, TypeVar
from xml.sax.saxutils import escape

from ent.directory.validators import uai_check_letter

__all__ = ["AcademySummary", "generate_academy"]

# --- Public API -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcademySummary:
    """What generate_academy wrote: counts per feed, category and profile, and the paths."""

    people: int
    pupils: int
    guardians: int
    staff: int
    schools: Mapping[str, int]
    records: Mapping[str, Mapping[str, int]]
    profiles: Mapping[str, int]
    delta: Mapping[str, Mapping[str, int]]
    paths: tuple[Path, ...]
    accounts: Path


def generate_academy(
    out_dir: Path,
    *,
    people: int,
    seed: int = 1,
    day: date = date(2026, 9, 1),
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 10_000,
) -> AcademySummary:
    """Write a synthetic académie of about `people` persons as AAF Complet and Delta feeds."""
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE}, not {people}.")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, not {chunk_size}.")
    builder = _Builder(Path(out_dir), people, seed, day, chunk_size, progress)
    return builder.run()


# --- Tunables ---------------------------------------------------------------------------------

MIN_PEOPLE: Final = 60
ACADEMY: Final = "DEMO"
MAIL_DOMAIN: Final = "ac-demo.fr"
STRUCTURE_KEY_START: Final = 10_000
PERSON_KEY_START: Final = 1_000_000
PUPIL_ID_START: Final = 1_000
CLASS_SIZE_2D: Final = 25
CLASS_SIZE_1D: Final = 24
GROUP_SIZE: Final = 28
SHARE_1D: Final = 0.50
SHARE_COLLEGE: Final = 0.56
SHARE_LGT: Final = 0.30
PUPILS_PER_ECOLE: Final = 100
PUPILS_PER_COLLEGE: Final = 500
PUPILS_PER_LYCEE: Final = 800
SHARED_TEACHERS: Final = 0.05
PEOPLE_PER_INSPECTOR: Final = 2_000
# Families: ~25% have two or three children; most pupils still have two guardians.
CHILDREN_WEIGHTS: Final = ((1, 0.75), (2, 0.19), (3, 0.06))
TWO_GUARDIANS_ONLY_CHILD: Final = 0.35
TWO_GUARDIANS_SIBLINGS: Final = 0.90
DELTA_RATE: Final = 0.0007

_MEAN_CHILDREN: Final = sum(k * w for k, w in CHILDREN_WEIGHTS)
_MEAN_GUARDIANS: Final = sum(
    w * (1 + (TWO_GUARDIANS_ONLY_CHILD if k == 1 else TWO_GUARDIANS_SIBLINGS))
    for k, w in CHILDREN_WEIGHTS
)
GUARDIANS_PER_PUPIL: Final = _MEAN_GUARDIANS / _MEAN_CHILDREN

# A public format definition (AAF "ficAlimMENESR"), shipped next to every feed.
DTD: Final = """<!ELEMENT ficAlimMENESR (addRequest|modifyRequest|deleteRequest)*>
        <!ELEMENT addRequest (operationalAttributes, identifier, attributes)>
        <!ELEMENT modifyRequest (operationalAttributes, identifier, modifications)>
        <!ELEMENT deleteRequest (operationalAttributes, identifier)>
        <!ELEMENT operationalAttributes (attr)>
        <!ELEMENT identifier (id)>
        <!ELEMENT attributes (attr+)>
        <!ELEMENT attr (value+)>
        <!ELEMENT modifications (modification+)>
        <!ELEMENT modification (value+)>
        <!ELEMENT value (#PCDATA)>
        <!ELEMENT id (#PCDATA)>
        <!ATTLIST attr name CDATA #REQUIRED>
        <!ATTLIST modification
                name CDATA #REQUIRED
                operation (replace) #REQUIRED>


"""
DTD_NAME: Final = "ficAlimMENESR.dtd"

# --- French reference data --------------------------------------------------------------------

GIRLS: Final = (
    "Emma", "Jade", "Louise", "Alice", "Chloé", "Lina", "Rose", "Léa", "Anna", "Mila", "Inès",
    "Ambre", "Julia", "Mia", "Léna", "Manon", "Juliette", "Lou", "Zoé", "Camille", "Agathe",
    "Jeanne", "Romane", "Éva", "Nina", "Lucie", "Margaux", "Sarah", "Adèle", "Iris", "Léonie",
    "Héloïse", "Clémence", "Maëlys", "Capucine", "Anaïs", "Yasmine", "Aïcha", "Fatoumata",
    "Maïwenn",
)  # fmt: skip
BOYS: Final = (
    "Gabriel", "Léo", "Raphaël", "Arthur", "Louis", "Jules", "Adam", "Maël", "Lucas", "Hugo",
    "Noah", "Liam", "Sacha", "Gabin", "Nathan", "Aaron", "Mohamed", "Éthan", "Tom", "Paul",
    "Théo", "Timéo", "Mathis", "Nolan", "Victor", "Axel", "Noé", "Baptiste", "Enzo", "Clément",
    "Antoine", "Valentin", "Eliott", "Rayan", "Yanis", "Mathéo", "Côme", "Amir", "Malo", "Kylian",
)  # fmt: skip
WOMEN: Final = (
    "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Valérie", "Stéphanie", "Céline",
    "Véronique", "Christine", "Sophie", "Aurélie", "Émilie", "Virginie", "Karine", "Laetitia",
    "Caroline", "Julie", "Hélène", "Delphine", "Élodie", "Audrey", "Mélanie", "Marie-Claire",
    "Anne-Sophie", "Séverine", "Nadia", "Samia", "Fatima", "Khadija", "Claire", "Agnès",
    "Béatrice", "Corinne", "Laurence", "Florence", "Myriam", "Gaëlle", "Solène", "Maryse",
)  # fmt: skip
MEN: Final = (
    "Philippe", "Thierry", "Stéphane", "Christophe", "Nicolas", "Frédéric", "Laurent",
    "Sébastien", "Olivier", "David", "Éric", "Pascal", "Jérôme", "Julien", "Cédric", "Vincent",
    "Franck", "Sylvain", "Mickaël", "Grégory", "Jean-Pierre", "Jean-François", "Pierre-Yves",
    "François", "Hervé", "Patrice", "Didier", "Benoît", "Arnaud", "Mathieu", "Karim", "Mehdi",
    "Rachid", "Youssef", "Abdoulaye", "Mamadou", "Loïc", "Yannick", "Gaël", "Jean-Luc",
)  # fmt: skip
SURNAMES: Final = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun",
    "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal",
    "Caron", "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix",
    "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland",
    "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger",
    "Carpentier", "Sanchez", "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur",
    "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier",
    "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard",
    "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall",
    "Collet", "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux",
    "Cousin", "Germain", "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier",
    "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber", "Mallet", "Hamon",
    "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard", "Gillet", "Étienne",
    "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva", "Bouchet",
    "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau",
    "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay",
    "Pasquier", "Carlier", "Laporte", "N'Diaye", "Diallo", "Traoré", "Benali", "Haddad",
    "Nguyen", "Ben Ahmed", "Martin-Diaz", "Dupont-Lefèvre", "Bernard-Leclerc", "Saint-Martin",
    "D'Angelo", "D'Almeida", "L'Hôte", "Ould Ahmed", "Le Bihan", "Le Floch", "Kerbrat",
    "Goncalves", "Ferreira",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Commune:
    name: str
    postal_code: str
    department: str
    weight: int
    phone: str


COMMUNES: Final = (
    _Commune("SAINT-ETIENNE", "42000", "042", 170, "4 77"),
    _Commune("ROANNE", "42300", "042", 35, "4 77"),
    _Commune("SAINT-CHAMOND", "42400", "042", 35, "4 77"),
    _Commune("FIRMINY", "42700", "042", 17, "4 77"),
    _Commune("MONTBRISON", "42600", "042", 16, "4 77"),
    _Commune("RIVE-DE-GIER", "42800", "042", 15, "4 77"),
    _Commune("ROCHE-LA-MOLIERE", "42230", "042", 10, "4 77"),
    _Commune("LE CHAMBON-FEUGEROLLES", "42500", "042", 12, "4 77"),
    _Commune("ANDREZIEUX-BOUTHEON", "42160", "042", 10, "4 77"),
    _Commune("SAINT-JUST-SAINT-RAMBERT", "42170", "042", 15, "4 77"),
    _Commune("RIORGES", "42153", "042", 11, "4 77"),
    _Commune("VILLARS", "42390", "042", 8, "4 77"),
    _Commune("LA TALAUDIERE", "42350", "042", 7, "4 77"),
    _Commune("FEURS", "42110", "042", 8, "4 77"),
    _Commune("UNIEUX", "42240", "042", 8, "4 77"),
    _Commune("SAINT-GALMIER", "42330", "042", 6, "4 77"),
    _Commune("CHARLIEU", "42190", "042", 4, "4 77"),
    _Commune("BOEN-SUR-LIGNON", "42130", "042", 3, "4 77"),
    _Commune("BOURG-ARGENTAL", "42220", "042", 3, "4 77"),
    _Commune("PANISSIERES", "42360", "042", 3, "4 77"),
    _Commune("LE PUY-EN-VELAY", "43000", "043", 19, "4 71"),
    _Commune("MONISTROL-SUR-LOIRE", "43120", "043", 9, "4 71"),
    _Commune("YSSINGEAUX", "43200", "043", 7, "4 71"),
    _Commune("BRIOUDE", "43100", "043", 7, "4 71"),
    _Commune("SAINTE-SIGOLENE", "43600", "043", 6, "4 71"),
    _Commune("AUREC-SUR-LOIRE", "43110", "043", 6, "4 71"),
    _Commune("ESPALY-SAINT-MARCEL", "43000", "043", 4, "4 71"),
    _Commune("LANGEAC", "43300", "043", 4, "4 71"),
    _Commune("DUNIERES", "43220", "043", 3, "4 71"),
    _Commune("TENCE", "43190", "043", 3, "4 71"),
    _Commune("RETOURNAC", "43130", "043", 3, "4 71"),
    _Commune("BAS-EN-BASSET", "43210", "043", 4, "4 71"),
)
# The RPI joins two villages, each with one école.
RPI_COMMUNES: Final = (
    _Commune("CHAMBLES", "42170", "042", 1, "4 77"),
    _Commune("ESSALOIS", "42170", "042", 1, "4 77"),
)
_COMMUNE_WEIGHTS: Final = tuple(c.weight for c in COMMUNES)

STREETS: Final = (
    "rue de la République", "avenue Jean Jaurès", "place de l'Église", "chemin des Vignes",
    "impasse des Arts & Métiers", "allée des Tilleuls", "boulevard Victor Hugo", "rue du Moulin",
    "route de Lyon", "rue Pasteur", "rue des Écoles", "rue Gambetta", "rue de la Paix",
    "rue du 8 Mai 1945", "avenue de la Libération", "rue Émile Zola", "chemin de la Côte",
    "rue des Jardins", "rue du Stade", "place du Marché", "rue Saint-Jean", "montée du Château",
    "rue de l'Industrie", "cours Fauriel", "rue des Acacias", "lotissement Les Genêts",
    "rue Jean Moulin", "rue des Forges", "quai de la Loire", "rue d'Alsace-Lorraine",
)  # fmt: skip
ADDRESS_LINE2: Final = (
    "", "", "", "", "", "Bâtiment B", "Résidence Les Cèdres", "Appartement 12",
    "Lieu-dit La Croix", "Escalier C",
)  # fmt: skip
MAIL_PROVIDERS: Final = (
    "orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "hotmail.fr",
    "yahoo.fr",
)  # fmt: skip
PATRONS: Final = (
    "VICTOR HUGO", "MARIE CURIE", "JULES FERRY", "LOUISE MICHEL", "ALBERT CAMUS",
    "JEAN JAURES", "SIMONE VEIL", "GEORGE SAND", "ANTOINE DE SAINT-EXUPERY", "JACQUES PREVERT",
    "LOUIS PASTEUR", "JEAN MACE", "COLETTE", "ALEXANDRE DUMAS", "JULES VERNE", "PAUL ELUARD",
    "ARTHUR RIMBAUD", "CLAUDE DEBUSSY", "LEONARD DE VINCI", "ROSA PARKS", "OLYMPE DE GOUGES",
    "JEAN DE LA FONTAINE", "EMILE ZOLA", "LOUIS ARAGON", "MARCEL PAGNOL", "ANNE FRANK",
    "GUSTAVE EIFFEL", "CLAUDE FAURIEL", "HONORE D'URFE", "JEANNE D'ARC", "ETIENNE MIMARD",
    "LES TROIS PONTS", "BEAUREGARD", "LE PIC DU LAC",
)  # fmt: skip
ECOLE_NAMES: Final = (
    "LES TILLEULS", "LE PETIT PRINCE", "LES ACACIAS", "JULES FERRY", "PASTEUR",
    "LES CERISIERS", "LES PAPILLONS", "DU CENTRE", "DU BOURG", "LA FONTAINE", "LES GLYCINES",
    "LE MOULIN", "L'ARC-EN-CIEL", "LES HIRONDELLES", "JACQUES PREVERT", "MARCEL PAGNOL",
    "LES PLATANES", "LES LILAS", "LA GARENNE", "LES MARRONNIERS", "DU PARC", "SAINT-EXUPERY",
    "LES COQUELICOTS", "CHARLES PERRAULT", "LA SOURCE", "LOUISE MICHEL", "LE VERGER",
)  # fmt: skip
DEMO_PATRON: Final = "JEAN MOULIN"

# --- Subjects, MEF and levels -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Subject:
    code: str
    label: str
    discipline: str


SUBJECTS: Final = (
    _Subject("010100", "PHILOSOPHIE", "L0100$PHILOSOPHIE"),
    _Subject("010110", "SPECIALITE HUMANITES, LITTERATURE ET PHILOSOPHIE", "L0100$PHILOSOPHIE"),
    _Subject("020100", "LATIN", "L0201$LETTRES CLASSIQUES"),
    _Subject("020700", "FRANCAIS", "L0202$LETTRES MODERNES"),
    _Subject("030201", "ANGLAIS LV1", "L0422$ANGLAIS"),
    _Subject("030402", "ALLEMAND LV2", "L0421$ALLEMAND"),
    _Subject("030602", "ESPAGNOL LV2", "L0426$ESPAGNOL"),
    _Subject("040300", "HISTOIRE-GEOGRAPHIE", "L1000$HISTOIRE ET GEOGRAPHIE"),
    _Subject(
        "040310",
        "SPECIALITE HISTOIRE-GEOGRAPHIE, GEOPOLITIQUE ET SCIENCES POLITIQUES",
        "L1000$HISTOIRE ET GEOGRAPHIE",
    ),
    _Subject(
        "041700", "SCIENCES ECONOMIQUES ET SOCIALES", "L1100$SCIENCES ECONOMIQUES ET SOCIALES"
    ),
    _Subject(
        "041710",
        "SPECIALITE SCIENCES ECONOMIQUES ET SOCIALES",
        "L1100$SCIENCES ECONOMIQUES ET SOCIALES",
    ),
    _Subject("061300", "MATHEMATIQUES", "L1300$MATHEMATIQUES"),
    _Subject("061310", "SPECIALITE MATHEMATIQUES", "L1300$MATHEMATIQUES"),
    _Subject(
        "061600", "MATHEMATIQUES-SCIENCES PHYSIQUES", "L1315$MATHEMATIQUES SCIENCES PHYSIQUES"
    ),
    _Subject("062500", "PHYSIQUE-CHIMIE", "L1500$PHYSIQUE CHIMIE"),
    _Subject("062510", "SPECIALITE PHYSIQUE-CHIMIE", "L1500$PHYSIQUE CHIMIE"),
    _Subject("063100", "ENSEIGNEMENT SCIENTIFIQUE", "L1500$PHYSIQUE CHIMIE"),
    _Subject("063200", "SCIENCES NUMERIQUES ET TECHNOLOGIE", "L1300$MATHEMATIQUES"),
    _Subject(
        "063800", "SCIENCES DE LA VIE ET DE LA TERRE", "L1600$SCIENCES DE LA VIE ET DE LA TERRE"
    ),
    _Subject(
        "063810",
        "SPECIALITE SCIENCES DE LA VIE ET DE LA TERRE",
        "L1600$SCIENCES DE LA VIE ET DE LA TERRE",
    ),
    _Subject("080100", "ARTS PLASTIQUES", "L1800$ARTS PLASTIQUES"),
    _Subject("080400", "EDUCATION MUSICALE", "L1700$EDUCATION MUSICALE"),
    _Subject("080900", "ARTS APPLIQUES ET CULTURES ARTISTIQUES", "L7200$ARTS APPLIQUES"),
    _Subject("100100", "EDUCATION PHYSIQUE ET SPORTIVE", "L1900$EDUCATION PHYSIQUE ET SPORTIVE"),
    _Subject("110100", "TECHNOLOGIE", "L1400$TECHNOLOGIE"),
    _Subject(
        "150100", "PREVENTION SANTE ENVIRONNEMENT", "L7300$BIOTECHNOLOGIES SANTE ENVIRONNEMENT"
    ),
    _Subject("150200", "ECONOMIE-GESTION", "L8011$ECONOMIE ET GESTION"),
    _Subject("160100", "MAINTENANCE DES VEHICULES", "L4500$MAINTENANCE DES VEHICULES"),
    _Subject(
        "160200",
        "METIERS DE L'ELECTRICITE ET DE SES ENVIRONNEMENTS CONNECTES",
        "L5100$GENIE ELECTRIQUE",
    ),
    _Subject("160300", "ASSISTANCE A LA GESTION DES ORGANISATIONS", "L8012$GESTION ADMINISTRATION"),
    _Subject("160400", "METIERS DU COMMERCE ET DE LA VENTE", "L8013$COMMERCE VENTE"),
)
SUBJECT_BY_CODE: Final = {subject.code: subject for subject in SUBJECTS}
DOC_DISCIPLINE: Final = "L0080$DOCUMENTATION"

_PHILO, _HLP, _LAT, _FRA, _ANG, _ALL2, _ESP2, _HG, _HGGSP, _SES, _SPE_SES = (
    "010100", "010110", "020100", "020700", "030201", "030402", "030602", "040300", "040310",
    "041700", "041710",
)  # fmt: skip
_MATH, _SPE_MATHS, _MSC, _PC, _SPE_PC, _ESC, _SNT, _SVT, _SPE_SVT = (
    "061300", "061310", "061600", "062500", "062510", "063100", "063200", "063800", "063810",
)  # fmt: skip
_ARTP, _MUS, _AAC, _EPS, _TECH, _PSE, _ECOG = (
    "080100", "080400", "080900", "100100", "110100", "150100", "150200",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Option:
    name: str
    subject: str
    weight: float
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class _Level:
    key: str
    mef: str
    mef_label: str
    niv: str
    track: str
    age: int
    subjects: tuple[str, ...]
    class_prefix: str
    class_style: str
    class_label: str
    group_prefix: str = ""
    lv2: tuple[_Option, ...] = ()
    extra: tuple[_Option, ...] = ()
    spe: tuple[_Option, ...] = ()
    spe_count: int = 0

    def options(self) -> Iterator[tuple[_Option, float]]:
        """Yield each option of the level with the share of its pupils who take it."""
        lv2_total = sum(option.weight for option in self.lv2)
        for option in self.lv2:
            yield option, option.weight / lv2_total
        for option in self.extra:
            yield option, option.weight
        spe_total = sum(option.weight for option in self.spe)
        for option in self.spe:
            yield option, min(1.0, self.spe_count * option.weight / spe_total)


_LV2: Final = (_Option("LV2ESP", _ESP2, 0.68), _Option("LV2ALL", _ALL2, 0.32))
_LATIN: Final = (_Option("LAT", _LAT, 0.18),)
_SPECIALITIES: Final = (
    _Option("SPE-MATHS", _SPE_MATHS, 0.65, numbered=True),
    _Option("SPE-PC", _SPE_PC, 0.45, numbered=True),
    _Option("SPE-SVT", _SPE_SVT, 0.40, numbered=True),
    _Option("SPE-SES", _SPE_SES, 0.35, numbered=True),
    _Option("SPE-HGGSP", _HGGSP, 0.30, numbered=True),
    _Option("SPE-HLP", _HLP, 0.15, numbered=True),
)
_COLLEGE_CORE: Final = (_FRA, _MATH, _HG, _ANG, _SVT, _TECH, _EPS, _ARTP, _MUS)

COLLEGE_LEVELS: Final = (
    _Level("6", "10010012110", "6EME", "6EME", "COLLEGE", 11, _COLLEGE_CORE, "6", "letter",
           "6EME", "6"),
    _Level("5", "10110001110", "5EME", "5EME", "COLLEGE", 12, (*_COLLEGE_CORE, _PC), "5",
           "letter", "5EME", "5", _LV2, _LATIN),
    _Level("4", "10210001110", "4EME", "4EME", "COLLEGE", 13, (*_COLLEGE_CORE, _PC), "4",
           "letter", "4EME", "4", _LV2, _LATIN),
    _Level("3", "10310019110", "3EME", "3EME", "COLLEGE", 14, (*_COLLEGE_CORE, _PC), "3",
           "letter", "3EME", "3", _LV2, _LATIN),
)  # fmt: skip
LGT_LEVELS: Final = (
    _Level("2NDE", "20010018110", "2NDE GT", "2NDE GENERALE ET TECHNOLOGIQUE",
           "GENERALE ET TECHNOLOGIQUE", 15, (_FRA, _MATH, _HG, _ANG, _PC, _SVT, _EPS, _SES, _SNT),
           "2NDE", "number", "SECONDE", "2", _LV2),
    _Level("1G", "20111000110", "1ERE G", "1ERE GENERALE", "GENERALE", 16,
           (_FRA, _HG, _ANG, _EPS, _ESC), "1G", "number", "PREMIERE GENERALE", "1", _LV2, (),
           _SPECIALITIES, 3),
    _Level("TG", "20211000110", "TLE G", "TERMINALE GENERALE", "GENERALE", 17,
           (_PHILO, _HG, _ANG, _EPS, _ESC), "TG", "number", "TERMINALE GENERALE", "T", _LV2, (),
           _SPECIALITIES, 2),
)  # fmt: skip
# Professional tracks: short code, label, professional subject, MEF middle digits.
LP_TRACKS: Final = (
    ("MV", "MAINTENANCE DES VEHICULES", "160100", "25205"),
    ("ELEC", "METIERS DE L'ELECTRICITE", "160200", "25510"),
    ("AGO", "ASSISTANCE A LA GESTION DES ORGANISATIONS", "160300", "32403"),
    ("MCV", "METIERS DU COMMERCE ET DE LA VENTE", "160400", "31208"),
)
_LP_YEARS: Final = (
    ("2", "2NDE PRO", "2NDE PROFESSIONNELLE", 15, "247"),
    ("1", "1ERE PRO", "1ERE PROFESSIONNELLE", 16, "248"),
    ("T", "TLE PRO", "TERMINALE PROFESSIONNELLE", 17, "249"),
)
LP_LEVELS: Final = tuple(
    _Level(
        key=f"{year}P{track}",
        mef=f"{mef_year}{mef_track}310",
        mef_label=f"{year_label} {track}",
        niv=niv,
        track=f"BAC PRO {track_label}",
        age=age,
        subjects=(_FRA, _HG, _MSC, _ANG, _EPS, _AAC, _PSE, _ECOG, pro_subject),
        class_prefix=f"{year}P{track}",
        class_style="track",
        class_label=f"{year_label} {track_label}",
    )
    for track, track_label, pro_subject, mef_track in LP_TRACKS
    for year, year_label, niv, age, mef_year in _LP_YEARS
)
LEVEL_BY_KEY: Final = {level.key: level for level in (*COLLEGE_LEVELS, *LGT_LEVELS, *LP_LEVELS)}

# 1st degree levels: code, age reached during the civil year of the rentrée, cycle.
LEVELS_1D: Final = (
    ("PS", 3, "1"), ("MS", 4, "1"), ("GS", 5, "1"), ("CP", 6, "2"), ("CE1", 7, "2"),
    ("CE2", 8, "2"), ("CM1", 9, "3"), ("CM2", 10, "3"),
)  # fmt: skip
AGE_1D: Final = {code: age for code, age, _ in LEVELS_1D}
CYCLE_1D: Final = {code: cycle for code, _, cycle in LEVELS_1D}
ECOLE_KINDS: Final = {
    "ELEMENTAIRE": ("ECOLE ELEMENTAIRE", ("CP", "CE1", "CE2", "CM1", "CM2")),
    "MATERNELLE": ("ECOLE MATERNELLE", ("PS", "MS", "GS")),
    "PRIMAIRE": ("ECOLE PRIMAIRE", tuple(code for code, _, _ in LEVELS_1D)),
}
SCHOOL_TYPES_2D: Final = {
    "COLLEGE": ("COLLEGE", COLLEGE_LEVELS),
    "LGT": ("LYCEE GENERAL ET TECHNOLOGIQUE", LGT_LEVELS),
    "LP": ("LYCEE PROFESSIONNEL", LP_LEVELS),
}

# Staff functions as `CODE$LABEL$discipline code$discipline label`.
FN_DIR: Final = "DIR$DIRECTION$-$-"
FN_EDU: Final = "EDU$EDUCATION$-$-"
FN_AED: Final = "AED$ASSISTANT D'EDUCATION$-$-"
FN_DOC: Final = f"DOC$DOCUMENTATION${DOC_DISCIPLINE}"
FN_ADF: Final = "ADF$ADMINISTRATION$-$-"
FN_ENS_1D: Final = "ENS$ENSEIGNEMENT$-$-"
FN_AES: Final = "AES$ATSEM$-$-"
INSPECTOR_DISCIPLINES: Final = (
    "-$-", "L1300$MATHEMATIQUES", "L0202$LETTRES MODERNES", "L0422$ANGLAIS",
    "L1000$HISTOIRE ET GEOGRAPHIE",
)  # fmt: skip
PROFILE_OF_FUNCTION: Final = {
    "DIR": "DIR", "ENS": "ENS", "DOC": "DOC", "EDU": "EVS", "AED": "EVS", "AES": "EVS",
    "ADF": "ETA", "INS": "ACA",
}  # fmt: skip
PROFILES: Final = ("ELV", "TUT", "ENS", "DOC", "DIR", "EVS", "ETA", "ACA")

CATEGORIES_2D: Final = (
    "EtabEducNat", "MatiereEducNat", "MefEducNat", "Eleve", "PersRelEleve", "PersEducNat",
)  # fmt: skip
CATEGORIES_1D: Final = ("EtabEducNat", "Eleve", "PersRelEleve", "PersEducNat")
OPERATIONAL: Final = {
    "EtabEducNat": ("categorieStructure", "EtabEducNat"),
    "MatiereEducNat": ("categorieMatiere", "MatEducNat"),
    "MefEducNat": ("categorieMef", "MefEducNat"),
    "Eleve": ("categoriePersonne", "Eleve"),
    "PersRelEleve": ("categoriePersonne", "PersRelEleve"),
    "PersEducNat": ("categoriePersonne", "PersEducNat"),
}

# --- The structural plan (small indexes only) -------------------------------------------------


@dataclass(slots=True)
class _Klass:
    code: str
    label: str
    levels: tuple[str, ...]
    seats: tuple[int, ...]
    level_pos: int = 0
    level_count: int = 1


@dataclass(slots=True)
class _Group:
    code: str
    label: str
    subject: str


@dataclass(slots=True)
class _School:
    index: int
    key: str
    uai: str
    degree: int
    kind: str
    type_label: str
    name: str
    commune: _Commune
    street: str
    phone: str
    classes: list[_Klass] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    option_groups: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    lead_key: str = ""
    rpi: str = ""
    next_pupil_id: int = PUPIL_ID_START

    @property
    def pupils(self) -> int:
        """Return the number of seats of the school."""
        return sum(sum(klass.seats) for klass in self.classes)

    @property
    def aed_count(self) -> int:
        """Return how many assistants d'éducation the school has."""
        return 2 if self.pupils >= 400 else 1


@dataclass(slots=True)
class _Plan:
    rectorat: _School
    schools_2d: list[_School]
    schools_1d: list[_School]

    @property
    def pupils(self) -> int:
        """Return the number of seats in the académie."""
        return sum(school.pupils for school in (*self.schools_2d, *self.schools_1d))


def _mix(seed: int, salt: int, index: int) -> int:
    """Return a derived integer seed, so that each stream is independent of the others."""
    return seed * 1_000_003 + salt * 7_919 + index


def _even(total: int, parts: int) -> list[int]:
    """Split `total` into `parts` near-equal integers."""
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def _split(total: int, parts: int, rng: random.Random, spread: float = 0.3) -> list[int]:
    """Split `total` into `parts` integers of random sizes around the mean."""
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    scale = total / sum(weights)
    raw = [weight * scale for weight in weights]
    sizes = [int(value) for value in raw]
    by_remainder = sorted(range(parts), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _letter(position: int) -> str:
    """Return A, B, … for a class position, then numbers past Z."""
    return chr(ord("A") + position) if position < 26 else str(position + 1)


def _build_2d_classes(
    school: _School, levels: tuple[_Level, ...], pupils: int, *, demo: bool = False
) -> None:
    """Fill a collège or lycée with its classes and groups (the demo collège has 3A and 3B)."""
    wanted = max(1, round(pupils / CLASS_SIZE_2D))
    if wanted < len(levels):
        levels = levels[-wanted:]
    for level, count in zip(levels, _even(max(pupils, len(levels)), len(levels)), strict=True):
        n = max(2 if demo and level.key == "3" else 1, round(count / CLASS_SIZE_2D))
        for pos, size in enumerate(_even(max(count, n), n)):
            if level.class_style == "letter":
                suffix = _letter(pos)
                code, label = f"{level.class_prefix}{suffix}", f"{level.class_label} {suffix}"
            elif level.class_style == "number" or n > 1:
                code, label = f"{level.class_prefix}{pos + 1}", f"{level.class_label} {pos + 1}"
            else:
                code, label = level.class_prefix, level.class_label
            school.classes.append(_Klass(code, label, (level.key,), (size,), pos, n))
        for option, share in level.options():
            n_groups = max(1, round(max(count, n) * share / GROUP_SIZE))
            codes = []
            for i in range(n_groups):
                number = str(i + 1) if option.numbered or n_groups > 1 else ""
                code = f"{level.group_prefix}{option.name}{number}"
                label = f"{SUBJECT_BY_CODE[option.subject].label} {level.mef_label}"
                school.groups.append(_Group(code, f"{label} {number}".strip(), option.subject))
                codes.append(code)
            school.option_groups[(level.key, option.name)] = codes


def _build_1d_classes(school: _School, levels: tuple[str, ...], pupils: int, least: int) -> None:
    """Fill an école with classes, merging levels into multi-level classes when few."""
    n = max(least, round(pupils / CLASS_SIZE_1D))
    per_level = dict(zip(levels, _even(max(pupils, n), len(levels)), strict=True))
    if n <= len(levels):
        sizes = [len(levels) // n] * n
        for j in range(len(levels) % n):
            sizes[(1 + j) % n] += 1
        start = 0
        for size in sizes:
            chunk = levels[start : start + size]
            start += size
            seats = [per_level[level] for level in chunk]
            if sum(seats) == 0:
                seats[0] = 1
            code = "-".join(chunk)
            school.classes.append(_Klass(code, f"Classe de {code}", chunk, tuple(seats)))
        return
    for level, count in zip(levels, _even(n, len(levels)), strict=True):
        for pos, size in enumerate(_even(max(per_level[level], count), count)):
            code = level if count == 1 else f"{level} {_letter(pos)}"
            school.classes.append(_Klass(code, f"Classe de {code}", (level,), (size,), pos, count))


def _plan_schools(pupils: int, seed: int) -> _Plan:
    """Lay out the structures of the académie for about `pupils` pupils."""
    rng = random.Random(_mix(seed, 1, 0))
    serials: dict[str, int] = {}
    keys = iter(range(STRUCTURE_KEY_START, STRUCTURE_KEY_START + 10_000_000))

    def new_school(
        degree: int, kind: str, type_label: str, name: str, commune: _Commune
    ) -> _School:
        serials[commune.department] = serials.get(commune.department, 0) + 1
        stem = f"{commune.department}{serials[commune.department]:04d}"
        phone = f"+33 {commune.phone} {rng.randint(10, 99)} {rng.randint(10, 99)} 00"
        street = f"{rng.randint(1, 60)} {rng.choice(STREETS)}"
        return _School(
            index=0, key=str(next(keys)), uai=stem + uai_check_letter(stem), degree=degree,
            kind=kind, type_label=type_label, name=name, commune=commune, street=street,
            phone=phone,
        )  # fmt: skip

    def commune() -> _Commune:
        return rng.choices(COMMUNES, weights=_COMMUNE_WEIGHTS)[0]

    rectorat = new_school(
        0, "RECTORAT", "SERVICE ACADEMIQUE", "RECTORAT DE L'ACADEMIE DE DEMO", COMMUNES[0]
    )
    pupils_1d = round(pupils * SHARE_1D)
    pupils_2d = pupils - pupils_1d
    college_pupils = round(pupils_2d * SHARE_COLLEGE)
    lgt_pupils = round(pupils_2d * SHARE_LGT)
    lp_pupils = pupils_2d - college_pupils - lgt_pupils
    n_lp = max(1 if lp_pupils >= CLASS_SIZE_2D else 0, round(lp_pupils / PUPILS_PER_LYCEE))
    if n_lp == 0:
        lgt_pupils, lp_pupils = lgt_pupils + lp_pupils, 0
    n_college = max(1, round(college_pupils / PUPILS_PER_COLLEGE))
    n_lgt = max(1, round(lgt_pupils / PUPILS_PER_LYCEE))
    n_ecole = max(2, round(pupils_1d / PUPILS_PER_ECOLE))

    # The cité scolaire leads the 2D list: its collège shares teachers with its lycée.
    schools_2d: list[_School] = []
    cite = commune()
    for kind, count, total in (
        ("COLLEGE", n_college, college_pupils),
        ("LGT", n_lgt, lgt_pupils),
        ("LP", n_lp, lp_pupils),
    ):
        type_label, levels = SCHOOL_TYPES_2D[kind]
        for i, size in enumerate(_split(total, count, rng) if count else []):
            lead = i == 0 and kind in {"COLLEGE", "LGT"}
            patron = DEMO_PATRON if lead else rng.choice(PATRONS)
            school = new_school(
                2, kind, type_label, f"{type_label} {patron}", cite if lead else commune()
            )
            _build_2d_classes(school, levels, size, demo=lead and kind == "COLLEGE")
            schools_2d.append(school)
    college, lycee = schools_2d[0], schools_2d[n_college]
    college.lead_key = lycee.key
    schools_2d.remove(lycee)
    schools_2d.insert(1, lycee)

    schools_1d: list[_School] = []
    for i, size in enumerate(_split(pupils_1d, n_ecole, rng)):
        if i < 2:
            kind = "ELEMENTAIRE" if i == 0 else "MATERNELLE"
            place = RPI_COMMUNES[i]
        else:
            kind = rng.choices(("ELEMENTAIRE", "MATERNELLE", "PRIMAIRE"), weights=(45, 30, 25))[0]
            place = commune()
        type_label, levels_1d = ECOLE_KINDS[kind]
        name = f"{type_label} PUBLIQUE {rng.choice(ECOLE_NAMES)}"
        school = new_school(1, kind, type_label, name, place)
        _build_1d_classes(school, levels_1d, size, 2 if i < 2 else 1)
        schools_1d.append(school)
    rpi = f"RPI{schools_1d[0].uai[:7]}"
    schools_1d[0].rpi = schools_1d[1].rpi = rpi
    for index, school in enumerate((rectorat, *schools_2d, *schools_1d)):
        school.index = index
    return _Plan(rectorat, schools_2d, schools_1d)


# --- Teacher planning -------------------------------------------------------------------------


@dataclass(slots=True)
class _Post:
    school: _School
    classes: list[tuple[str, str]]
    groups: list[tuple[str, str]]
    principal: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Teacher2D:
    subject: str
    posts: list[_Post]
    shared: bool = False

    @property
    def load(self) -> int:
        """Return how many classes and groups the teacher has."""
        return sum(len(post.classes) + len(post.groups) for post in self.posts)


def _school_subjects(school: _School) -> set[str]:
    """Return the subjects taught in a school, to whole classes or to groups."""
    subjects = {s for klass in school.classes for s in LEVEL_BY_KEY[klass.levels[0]].subjects}
    return subjects | {group.subject for group in school.groups}


def _own_teachers(school: _School, rng: random.Random) -> list[_Teacher2D]:
    """Cut each subject's classes and groups of a school into services of 2 to 6."""
    units: dict[str, list[tuple[bool, str]]] = {}
    for klass in school.classes:
        for subject in LEVEL_BY_KEY[klass.levels[0]].subjects:
            units.setdefault(subject, []).append((False, klass.code))
    for group in school.groups:
        units.setdefault(group.subject, []).append((True, group.code))
    teachers = []
    for subject, items in units.items():
        chunks: list[list[tuple[bool, str]]] = []
        start = 0
        while start < len(items):
            size = rng.randint(2, 6)
            chunks.append(items[start : start + size])
            start += size
        if len(chunks) > 1 and len(chunks[-1]) == 1 and len(chunks[-2]) < 6:
            chunks[-2].extend(chunks.pop())
        for chunk in chunks:
            classes = [(code, subject) for is_group, code in chunk if not is_group]
            groups = [(code, subject) for is_group, code in chunk if is_group]
            teachers.append(_Teacher2D(subject, [_Post(school, classes, groups)]))
    return teachers


def _welcome(pending: list[_Teacher2D], own: list[_Teacher2D], school: _School) -> None:
    """Give teachers coming from the previous school part of a service of their subject."""
    for teacher in pending:
        candidates = [other for other in own if other.subject == teacher.subject]
        if not candidates:
            teacher.shared = False
            continue
        target = min(candidates, key=lambda other: other.load)
        post = target.posts[0]
        room = max(1, 6 - teacher.load)
        classes, post.classes = post.classes[:room], post.classes[room:]
        room -= len(classes)
        groups, post.groups = post.groups[:room], post.groups[room:]
        teacher.posts.append(_Post(school, classes, groups))
        if not post.classes and not post.groups:
            own.remove(target)


def _choose_principals(school: _School, teachers: list[_Teacher2D], rng: random.Random) -> None:
    """Name one professeur principal per class, preferring teachers of this school only."""
    by_class: dict[str, list[tuple[_Teacher2D, _Post]]] = {}
    for teacher in teachers:
        for post in teacher.posts:
            if post.school is school:
                for code, _ in post.classes:
                    by_class.setdefault(code, []).append((teacher, post))
    for klass in school.classes:
        candidates = by_class.get(klass.code, [])
        preferred = (
            [(t, p) for t, p in candidates if not t.shared and not p.principal]
            or [(t, p) for t, p in candidates if not p.principal]
            or candidates
        )
        if preferred:
            preferred[rng.randrange(len(preferred))][1].principal.append(klass.code)


def _plan_teachers_2d(plan: _Plan, seed: int) -> Iterator[_Teacher2D]:
    """Yield every 2D teacher with their posts; about 5% teach in two schools."""
    pending: list[_Teacher2D] = []
    schools = plan.schools_2d
    for pos, school in enumerate(schools):
        rng = random.Random(_mix(seed, 2, school.index))
        own = _own_teachers(school, rng)
        _welcome(pending, own, school)
        outgoing: list[_Teacher2D] = []
        if pos + 1 < len(schools):
            wanted = round(SHARED_TEACHERS * len(own))
            if pos == 0:
                wanted = max(1, wanted)
            subjects = _school_subjects(schools[pos + 1])
            candidates = [t for t in own if t.subject in subjects and t.load <= 4]
            outgoing = rng.sample(candidates, min(wanted, len(candidates)))
            for teacher in outgoing:
                teacher.shared = True
        _choose_principals(school, pending + own, rng)
        yield from pending
        yield from (teacher for teacher in own if not teacher.shared)
        pending = outgoing
    yield from pending


@dataclass(slots=True)
class _Teacher1D:
    school: _School
    klass: _Klass
    director: bool
    extra: tuple[_School, _Klass] | None


def _partner(plan: _Plan, index: int) -> _School:
    """Return the école a 1D teacher's second post is in."""
    schools = plan.schools_1d
    if index < 2:
        return schools[1 - index]
    return schools[index + 1] if index + 1 < len(schools) else schools[index - 1]


def _plan_teachers_1d(plan: _Plan, seed: int) -> Iterator[_Teacher1D]:
    """Yield one teacher per 1D class; the first one directs, about 5% also teach elsewhere."""
    for index, school in enumerate(plan.schools_1d):
        rng = random.Random(_mix(seed, 3, school.index))
        for pos, klass in enumerate(school.classes):
            extra = None
            forced = index == 1 and pos == 1
            if pos > 0 and (forced or rng.random() < SHARED_TEACHERS):
                other = _partner(plan, index)
                extra = (other, other.classes[0])
            yield _Teacher1D(school, klass, pos == 0, extra)


def _count_staff(plan: _Plan, seed: int, people: int) -> int:
    """Return how many staff members a plan employs."""
    count = sum(5 + school.aed_count for school in plan.schools_2d)
    count += sum(1 for _ in _plan_teachers_2d(plan, seed))
    count += sum(len(school.classes) + 1 for school in plan.schools_1d)
    return count + _inspectors(people)


def _inspectors(people: int) -> int:
    """Return the number of inspectors of the académie."""
    return max(1, people // PEOPLE_PER_INSPECTOR)


def _size(people: int, seed: int) -> _Plan:
    """Find the plan whose pupils, guardians and staff add up to about `people`."""
    pupils = round(people * 0.45)
    for _ in range(3):
        staff = _count_staff(_plan_schools(pupils, seed), seed, people)
        pupils = max(6, round((people - staff) / (1 + GUARDIANS_PER_PUPIL)))
    return _plan_schools(pupils, seed)


# --- XML writing ------------------------------------------------------------------------------

_ENTITIES: Final = {"'": "&apos;", '"': "&quot;"}
_SPECIAL: Final = frozenset("&<>'\"")
HEADER: Final = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n'
    "<ficAlimMENESR>\n"
)
FOOTER: Final = "</ficAlimMENESR>\n"
_OP_LINES: Final = {
    category: "        <operationalAttributes><attr name="
    f'"{name}"><value>{value}</value></attr></operationalAttributes>\n'
    for category, (name, value) in OPERATIONAL.items()
}
Attrs: TypeAlias = Sequence[tuple[str, Sequence[str]]]


def _escaped(value: str) -> str:
    """Escape a value for XML text, skipping the work for the many values that need none."""
    return value if _SPECIAL.isdisjoint(value) else escape(value, _ENTITIES)


def _values_xml(values: Sequence[str]) -> str:
    """Return the `<value>` elements of a multi-valued attribute; empty gives `<value/>`."""
    if not values:
        return "<value/>"
    return "".join(f"<value>{_escaped(v)}</value>" if v else "<value/>" for v in values)


def add_request(category: str, key: str, attrs: Attrs) -> str:
    """Return an addRequest record."""
    parts = ["    <addRequest>\n", _OP_LINES[category]]
    parts.append(f"        <identifier><id>{key}</id></identifier>\n        <attributes>\n")
    parts.extend(
        f'            <attr name="{name}">{_values_xml(values)}</attr>\n' for name, values in attrs
    )
    parts.append("        </attributes>\n    </addRequest>\n")
    return "".join(parts)


def modify_request(category: str, key: str, changes: Attrs) -> str:
    """Return a modifyRequest record that replaces the given attributes."""
    parts = ["    <modifyRequest>\n", _OP_LINES[category]]
    parts.append(f"        <identifier><id>{key}</id></identifier>\n        <modifications>\n")
    parts.extend(
        f'            <modification name="{name}" operation="replace">'
        f"{_values_xml(values)}</modification>\n"
        for name, values in changes
    )
    parts.append("        </modifications>\n    </modifyRequest>\n")
    return "".join(parts)


def delete_request(category: str, key: str) -> str:
    """Return a deleteRequest record."""
    return (
        f"    <deleteRequest>\n{_OP_LINES[category]}"
        f"        <identifier><id>{key}</id></identifier>\n    </deleteRequest>\n"
    )


def _write_atomically(path: Path, text: str) -> None:
    """Write a text file under a temporary name, then rename it into place."""
    temporary = path.with_name(f".tmp-{path.name}.part")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)


class _ChunkWriter:
    """Write one category's records into `<stem>_0000.xml`, `_0001`… of at most N records."""

    def __init__(self, directory: Path, stem: str, chunk_size: int) -> None:
        self.directory = directory
        self.stem = stem
        self.chunk_size = chunk_size
        self.count = 0
        self.paths: list[Path] = []
        self._in_chunk = 0
        self._temporary: Path | None = None
        self._file: TextIO | None = None

    def write(self, record: str) -> None:
        """Append a record, starting the next chunk when this one is full."""
        handle = self._file
        if handle is None or self._in_chunk >= self.chunk_size:
            handle = self._next()
        handle.write(record)
        self._in_chunk += 1
        self.count += 1

    def _next(self) -> TextIO:
        """Close the current chunk and open the next one."""
        self._finish()
        final = self.directory / f"{self.stem}_{len(self.paths):04d}.xml"
        self._temporary = self.directory / f".tmp-{self.stem}-{len(self.paths):04d}.part"
        handle = self._temporary.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)
        handle.write(HEADER)
        self._file = handle
        self.paths.append(final)
        self._in_chunk = 0
        return handle

    def _finish(self) -> None:
        """Close the current chunk and rename it into place."""
        if self._file is None or self._temporary is None:
            return
        self._file.write(FOOTER)
        self._file.close()
        os.replace(self._temporary, self.paths[-1])
        self._file = self._temporary = None

    def close(self) -> list[Path]:
        """Finish the last chunk (an empty category still gets its `_0000` file)."""
        if not self.paths:
            self._next()
        self._finish()
        return self.paths

    def abort(self) -> None:
        """Drop the chunk being written."""
        if self._file is not None and self._temporary is not None:
            self._file.close()
            self._temporary.unlink(missing_ok=True)
            self._file = self._temporary = None


class _Feed:
    """One AAF folder (e.g. `ENT2D.20260901.Complet`) with a writer per category."""

    def __init__(
        self, directory: Path, mode: str, stamp: str, categories: Sequence[str], chunk_size: int
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.writers = {
            category: _ChunkWriter(directory, f"ENT_{mode}_{stamp}_{category}", chunk_size)
            for category in categories
        }
        self.operations = {"add": 0, "modify": 0, "delete": 0}

    def add(self, category: str, key: str, attrs: Attrs) -> None:
        """Write an addRequest."""
        self.writers[category].write(add_request(category, key, attrs))
        self.operations["add"] += 1

    def modify(self, category: str, key: str, changes: Attrs) -> None:
        """Write a modifyRequest."""
        self.writers[category].write(modify_request(category, key, changes))
        self.operations["modify"] += 1

    def delete(self, category: str, key: str) -> None:
        """Write a deleteRequest."""
        self.writers[category].write(delete_request(category, key))
        self.operations["delete"] += 1

    def counts(self) -> dict[str, int]:
        """Return the number of records per category."""
        return {category: writer.count for category, writer in self.writers.items()}

    def close(self) -> list[Path]:
        """Finish every file, write the DTD and remove chunks left by an earlier, larger run."""
        paths = [path for writer in self.writers.values() for path in writer.close()]
        dtd = self.directory / DTD_NAME
        _write_atomically(dtd, DTD)
        written = set(paths)
        for stale in sorted(self.directory.glob("ENT_*.xml")):
            if stale not in written:
                stale.unlink()
        return [*paths, dtd]

    def abort(self) -> None:
        """Drop the files being written."""
        for writer in self.writers.values():
            writer.abort()


# --- Persons ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Guardian:
    key: str
    relation: str
    flags: str
    title: str
    sn: str
    given: str
    patro: str
    mail: str
    home: str
    mobile: str
    work: str
    address: str
    postal: str
    city: str


@dataclass(slots=True)
class _Child:
    key: str
    school: _School
    klass: _Klass
    level: str
    title: str
    given: str
    others: list[str]
    born: date


@dataclass(slots=True)
class _Identity:
    title: str
    sn: str
    given: str
    patro: str
    born: date
    mail: str


_T = TypeVar("_T")


@dataclass(slots=True)
class _Reservoir(Generic[_T]):
    """Keep a uniform random sample of at most `size` offered items."""

    size: int
    rng: random.Random
    items: list[_T] = field(default_factory=list)
    seen: int = 0

    def offer(self, item: _T) -> None:
        """Consider one more item for the sample."""
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self.rng.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item


@dataclass(slots=True)
class _Move:
    child: _Child
    target: _Klass


@dataclass(slots=True)
class _Departure:
    child: _Child
    guardians: list[str]
    siblings: list[str]


@dataclass(slots=True)
class _Relocation:
    guardian: _Guardian
    degrees: tuple[int, ...]


@dataclass(slots=True)
class _NewClass:
    key: str
    school: _School
    classes: list[str]
    added: str


def _slug(text: str) -> str:
    """Return the ASCII, lower-case form of a name as used in e-mail addresses."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return plain.replace("'", "").replace(" ", "")


def _fr_date(value: date) -> str:
    """Return a date as dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y")


class _Builder:
    """Hold the random streams, counters and open feeds of one generation run."""

    def __init__(
        self,
        out_dir: Path,
        people: int,
        seed: int,
        day: date,
        chunk_size: int,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.out_dir = out_dir
        self.people = people
        self.seed = seed
        self.day = day
        self.next_day = day + timedelta(days=1)
        self.rentree = date(day.year if day.month >= 9 else day.year - 1, 9, 1)
        self.chunk_size = chunk_size
        self.progress = progress
        self.rng = random.Random(seed)
        self.delta_rng = random.Random(_mix(seed, 9, 0))
        self.next_key = PERSON_KEY_START
        self.written = 0
        self.staff_mails: set[str] = set()
        self.profiles = dict.fromkeys(PROFILES, 0)
        self.pupils = self.guardians = self.staff = 0
        self.accounts: list[dict[str, str]] = []
        self.delta_unit = max(2, round(people * DELTA_RATE))
        self.departures = {
            d: _Reservoir[_Departure](self.delta_unit, self.delta_rng) for d in (1, 2)
        }
        self.moves = {d: _Reservoir[_Move](self.delta_unit, self.delta_rng) for d in (1, 2)}
        self.relocations = {
            d: _Reservoir[_Relocation](self.delta_unit, self.delta_rng) for d in (1, 2)
        }
        self.new_classes = {
            d: _Reservoir[_NewClass](self.delta_unit, self.delta_rng) for d in (1, 2)
        }
        self.demo_class: tuple[_School, str] | None = None
        self.plan = _size(people, seed)
        self.class_refs = [
            (school, klass)
            for school in (*self.plan.schools_2d, *self.plan.schools_1d)
            for klass in school.classes
        ]

    # -- orchestration --

    def run(self) -> AcademySummary:
        """Write the Complet feeds, the Delta feeds and demo-accounts.json."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        complete = self._open("Complet", self.day)
        self._fill(complete, self._complete)
        records = {f"ENT{d}D": complete[d].counts() for d in (2, 1)}
        paths = [path for feed in complete.values() for path in feed.close()]
        complete_people = self.pupils + self.guardians + self.staff
        deltas = self._open("Delta", self.next_day)
        delta_keys = self._fill(deltas, self._delta)
        delta_counts = {f"ENT{d}D": dict(deltas[d].operations) for d in (2, 1)}
        paths += [path for feed in deltas.values() for path in feed.close()]
        accounts_path = self.out_dir / "demo-accounts.json"
        document = {"accounts": self.accounts, "delta": delta_keys}
        _write_atomically(accounts_path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        paths.append(accounts_path)
        if self.progress is not None:
            self.progress(self.written)
        return AcademySummary(
            people=complete_people,
            pupils=self.pupils,
            guardians=self.guardians,
            staff=self.staff,
            schools={
                "1D": len(self.plan.schools_1d),
                "2D": len(self.plan.schools_2d),
                "SERVICE": 1,
            },
            records=records,
            profiles=dict(self.profiles),
            delta=delta_counts,
            paths=tuple(paths),
            accounts=accounts_path,
        )

    def _open(self, mode: str, day: date) -> dict[int, _Feed]:
        """Open the 2D and 1D feeds of one day, e.g. `ENT2D.20260901.Complet`."""
        stamp = day.strftime("%Y%m%d")
        return {
            degree: _Feed(
                self.out_dir / f"ENT{degree}D.{stamp}.{mode}", mode, stamp, categories,
                self.chunk_size,
            )
            for degree, categories in ((2, CATEGORIES_2D), (1, CATEGORIES_1D))
        }  # fmt: skip

    def _fill(self, feeds: dict[int, _Feed], work: Callable[[dict[int, _Feed]], _T]) -> _T:
        """Run `work` on open feeds, dropping their unfinished files if it fails."""
        try:
            return work(feeds)
        except BaseException:
            for feed in feeds.values():
                feed.abort()
            raise

    def _complete(self, feeds: dict[int, _Feed]) -> None:
        """Write structures, subjects, MEF, families and staff: the full extract."""
        self._structures(feeds)
        self._families(feeds)
        self._staff_2d(feeds[2])
        self._staff_1d(feeds[1])

    def _key(self) -> str:
        """Return the next person joint key."""
        key = str(self.next_key)
        self.next_key += 1
        return key

    def _count(self, profile: str) -> None:
        """Count one person written under a profile and report progress."""
        self.profiles[profile] += 1
        self.written += 1
        if self.progress is not None and self.written % 1000 == 0:
            self.progress(self.written)

    def _account(
        self, key: str, profile: str, role: str, school: _School, degree: str, name: str
    ) -> None:
        """Record a demo account for demo-accounts.json."""
        self.accounts.append(
            {
                "key": key,
                "profile": profile,
                "role": role,
                "school_uai": school.uai,
                "degree": degree,
                "name": name,
            }
        )

    # -- structures, subjects, MEF --

    def _structures(self, feeds: dict[int, _Feed]) -> None:
        """Write the structures of both degrees, then the 2D subjects and MEF."""
        for school in (self.plan.rectorat, *self.plan.schools_2d):
            feeds[2].add("EtabEducNat", school.key, self._school_2d(school))
        for subject in SUBJECTS:
            feeds[2].add(
                "MatiereEducNat",
                subject.code,
                [("ENTMatJointure", (subject.code,)), ("ENTLibelleMatiere", (subject.label,))],
            )
        for level in LEVEL_BY_KEY.values():
            feeds[2].add(
                "MefEducNat",
                level.mef,
                [
                    ("ENTMefJointure", (level.mef,)),
                    ("ENTLibelleMef", (level.mef_label,)),
                    ("ENTNivFormation", (level.niv,)),
                    ("ENTFiliere", (level.track,)),
                ],
            )
        for school in self.plan.schools_1d:
            feeds[1].add("EtabEducNat", school.key, self._school_1d(school))

    def _school_2d(self, school: _School) -> Attrs:
        """Return the EtabEducNat attributes of a collège, lycée or the rectorat."""
        commune = school.commune
        return [
            ("ENTStructureJointure", (school.key,)),
            ("ENTStructureUAI", (school.uai,)),
            ("ENTStructureNomCourant", (school.name,)),
            ("ENTStructureTypeStruct", (school.type_label,)),
            ("ENTStructureSIREN", (f"19{school.uai[:7]}{int(school.key) % 100_000:05d}",)),
            ("ENTEtablissementContrat", ("PU",)),
            ("street", (school.street,)),
            ("postalCode", (commune.postal_code,)),
            ("l", (commune.name,)),
            ("telephoneNumber", (school.phone,)),
            ("ENTStructureMailSI", (f"ce.{school.uai.lower()}@{MAIL_DOMAIN}",)),
            ("ENTEtablissementStructRattachFctl", (school.lead_key,)),
            ("ENTServAcAcademie", (ACADEMY,)),
            ("ENTStructureClasses", [f"{k.code}${k.label}" for k in school.classes]),
            ("ENTStructureGroupes", [f"{g.code}${g.label}" for g in school.groups]),
        ]

    def _school_1d(self, school: _School) -> Attrs:
        """Return the EtabEducNat attributes of an école."""
        commune = school.commune
        return [
            ("ENTStructureJointure", (school.key,)),
            ("ENTStructureUAI", (school.uai,)),
            ("ENTStructureNomCourant", (school.name,)),
            ("ENTStructureTypeStruct", (school.type_label,)),
            ("ENTStructureAdresse", (school.street,)),
            ("ENTStructureCodePostal", (commune.postal_code,)),
            ("ENTStructureVille", (commune.name,)),
            ("ENTStructureTelephone", (school.phone,)),
            ("ENTStructureEmail", (f"ce.{school.uai.lower()}@{MAIL_DOMAIN}",)),
            ("ENTEcoleRPI", (school.rpi,)),
            ("ENTEcoleCommune", (commune.name,)),
            ("ENTServAcAcademie", (ACADEMY,)),
        ]

    # -- families: pupils and guardians, written as they are drawn --

    def _seats(self) -> array[int]:
        """Return every seat (class index * 8 + level slot), shuffled, demo seats first."""
        seats: array[int] = array("I")
        for index, (_, klass) in enumerate(self.class_refs):
            for slot, count in enumerate(klass.seats):
                seats.extend([index * 8 + slot] * count)
        self.rng.shuffle(seats)
        college = self.plan.schools_2d[0]
        demo_2d = next(k for k in college.classes if k.levels[0] == "3" and k.level_pos == 0)
        ecole = self.plan.schools_1d[0]
        demo_1d = ecole.classes[-1]
        wanted = [
            self._class_index(college, demo_2d) * 8,
            self._class_index(ecole, demo_1d) * 8
            + max(slot for slot, count in enumerate(demo_1d.seats) if count),
        ]
        for position, value in enumerate(wanted):
            found = seats.index(value, position)
            seats[position], seats[found] = seats[found], seats[position]
        return seats

    def _class_index(self, school: _School, klass: _Klass) -> int:
        """Return the global index of a class, as used in seats."""
        return next(i for i, (s, k) in enumerate(self.class_refs) if s is school and k is klass)

    def _families(self, feeds: dict[int, _Feed]) -> None:
        """Draw families seat by seat and write their pupils and guardians at once."""
        seats = self._seats()
        position, index = 0, 0
        while position < len(seats):
            size = 2 if index == 0 else min(self._family_size(), len(seats) - position)
            chosen = seats[position : position + size]
            position += size
            self._family(feeds, index, [self._seat(seat) for seat in chosen])
            index += 1

    def _family_size(self) -> int:
        """Draw how many children a family has at school."""
        draw = self.rng.random()
        for size, weight in CHILDREN_WEIGHTS:
            draw -= weight
            if draw < 0:
                return size
        return CHILDREN_WEIGHTS[-1][0]

    def _seat(self, seat: int) -> tuple[_School, _Klass, str]:
        """Return the school, class and level of a seat."""
        school, klass = self.class_refs[seat >> 3]
        return school, klass, klass.levels[seat & 7]

    def _family(
        self, feeds: dict[int, _Feed], index: int, seats: list[tuple[_School, _Klass, str]]
    ) -> None:
        """Write one family's pupils and guardians to the feeds of their degrees."""
        rng = self.rng
        children = [self._child(school, klass, level) for school, klass, level in seats]
        two = index == 0 or rng.random() < (
            TWO_GUARDIANS_ONLY_CHILD if len(children) == 1 else TWO_GUARDIANS_SIBLINGS
        )
        guardians = self._guardians(children[0].school.commune, two)
        surname = guardians[-1].sn if two else guardians[0].sn
        for child in children:
            if child.school.degree == 2:
                attrs = self._pupil_2d(child, surname, guardians, self.rentree)
                feeds[2].add("Eleve", child.key, attrs)
            else:
                feeds[1].add("Eleve", child.key, self._pupil_1d(child, surname, guardians))
            self.pupils += 1
            self._count("ELV")
        degrees = tuple(d for d in (2, 1) if any(c.school.degree == d for c in children))
        for guardian in guardians:
            for degree in degrees:
                keys = [c.key for c in children if c.school.degree == degree]
                feeds[degree].add(
                    "PersRelEleve", guardian.key, self._guardian(guardian, degree, keys)
                )
            self.guardians += 1
            self._count("TUT")
        if index == 0:
            self._demo_family(children, guardians)
            return
        self._offer_delta(index, children, guardians, degrees)

    def _guardians(self, commune: _Commune, two: bool) -> list[_Guardian]:
        """Draw the one or two guardians of a family, sharing one address."""
        rng = self.rng
        if rng.random() > 0.7:
            commune = rng.choices(COMMUNES, weights=_COMMUNE_WEIGHTS)[0]
        line2 = rng.choice(ADDRESS_LINE2)
        address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}${line2}$$"
        family = rng.choice(SURNAMES)
        if two:
            mother_sn = family if rng.random() < 0.6 else rng.choice(SURNAMES)
            father_pays = rng.random() < 0.3
            specs = [
                ("10", "Mme", rng.choice(WOMEN), mother_sn, rng.choice(SURNAMES),
                 "1$1$1$0" if father_pays else "1$1$1$1"),
                ("20", "M.", rng.choice(MEN), family, family,
                 "1$1$1$1" if father_pays else "1$1$1$0"),
            ]  # fmt: skip
        else:
            draw = rng.random()
            if draw < 0.65:
                specs = [("10", "Mme", rng.choice(WOMEN), family, family, "1$1$1$1")]
            elif draw < 0.85:
                specs = [("20", "M.", rng.choice(MEN), family, family, "1$1$1$1")]
            else:
                title = rng.choice(("M.", "Mme"))
                given = rng.choice(MEN if title == "M." else WOMEN)
                specs = [("50", title, given, family, family, "1$1$1$1")]
        guardians = []
        for relation, title, given, sn, patro, flags in specs:
            mail = ""
            if rng.random() < 0.85:
                number = str(rng.randint(1, 99)) if rng.random() < 0.3 else ""
                mail = f"{_slug(given)}.{_slug(sn)}{number}@{rng.choice(MAIL_PROVIDERS)}"
            guardians.append(
                _Guardian(
                    key=self._key(),
                    relation=relation,
                    flags=flags,
                    title=title,
                    sn=sn.upper(),
                    given=given,
                    patro=patro.upper(),
                    mail=mail,
                    home=self._phone(commune.phone) if rng.random() < 0.5 else "",
                    mobile=self._phone(rng.choice(("6", "7"))) if rng.random() < 0.95 else "",
                    work=self._phone(commune.phone) if rng.random() < 0.3 else "",
                    address=address,
                    postal=commune.postal_code,
                    city=commune.name,
                )
            )
        return guardians

    def _phone(self, prefix: str) -> str:
        """Return a French phone number with the given prefix."""
        digits = " ".join(f"{self.rng.randint(0, 99):02d}" for _ in range(4 - prefix.count(" ")))
        return f"+33 {prefix} {digits}"

    def _child(self, school: _School, klass: _Klass, level: str) -> _Child:
        """Draw a pupil of a level: name, title and a birth date that fits the level."""
        rng = self.rng
        girl = rng.random() < 0.49
        given = rng.choice(GIRLS if girl else BOYS)
        others = [rng.choice(WOMEN if girl else MEN) for _ in range(rng.choice((0, 0, 1, 1, 2)))]
        spec = LEVEL_BY_KEY.get(level)
        age = spec.age if spec is not None else AGE_1D[level]
        if rng.random() < 0.04:
            age += 1
        born = date(self.rentree.year - age, 1, 1) + timedelta(days=rng.randrange(365))
        title = "Mme" if girl else "M."
        return _Child(self._key(), school, klass, level, title, given, others, born)

    def _pupil_2d(
        self, child: _Child, surname: str, guardians: list[_Guardian], entry: date
    ) -> Attrs:
        """Return the Eleve attributes of a 2D pupil."""
        rng = self.rng
        school, klass, level = child.school, child.klass, LEVEL_BY_KEY[child.level]
        groups = self._draw_groups(school, klass, level)
        subjects = [*level.subjects, *(subject for _, subject in groups)]
        ine_digits = (int(child.key) * 7_919 + self.seed * 104_729) % 1_000_000_000
        ine = f"{ine_digits:09d}{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}"
        school.next_pupil_id += 1
        regime = rng.random()
        boarding = 0.08 if school.kind != "COLLEGE" else 0.02
        first = guardians[0]
        return [
            ("ENTPersonJointure", (child.key,)),
            ("ENTEleveINE", (ine,)),
            ("ENTEleveStructRattachId", (str(school.next_pupil_id),)),
            ("ENTPersonDateNaissance", (_fr_date(child.born),)),
            ("ENTPersonNomPatro", (surname,)),
            ("sn", (surname,)),
            ("givenName", (child.given,)),
            ("ENTPersonAutresPrenoms", child.others),
            ("personalTitle", (child.title,)),
            ("ENTElevePersRelEleve", [f"{g.key}${g.relation}${g.flags}" for g in guardians]),
            ("ENTEleveBoursier", ("O" if rng.random() < 0.27 else "N",)),
            (
                "ENTEleveRegime",
                (
                    "INTERNE DANS L'ETABLISSEMENT"
                    if regime < boarding
                    else "DEMI-PENSIONNAIRE DANS L'ETABLISSEMENT"
                    if regime < 0.7
                    else "EXTERNE LIBRE",
                ),
            ),
            ("ENTPersonAdresse", (first.address,)),
            ("ENTPersonCodePostal", (first.postal,)),
            ("ENTPersonVille", (first.city,)),
            ("ENTPersonPays", ("FRANCE",)),
            ("ENTEleveMEF", (level.mef,)),
            ("ENTEleveLibelleMEF", (level.mef_label,)),
            ("ENTEleveCodeEnseignements", subjects),
            ("ENTEleveEnseignements", [SUBJECT_BY_CODE[s].label for s in subjects]),
            ("ENTPersonStructRattach", (school.key,)),
            ("ENTEleveClasses", (f"{school.key}${klass.code}",)),
            ("ENTEleveGroupes", [f"{school.key}${code}" for code, _ in groups]),
            ("ENTEleveDateEntreeClasses", (f"{school.key}${_fr_date(entry)}${klass.code}",)),
        ]

    def _draw_groups(self, school: _School, klass: _Klass, level: _Level) -> list[tuple[str, str]]:
        """Draw the groups (LV2, Latin, spécialités) a 2D pupil takes."""
        rng = self.rng
        options: list[_Option] = []
        if level.lv2:
            options.append(rng.choices(level.lv2, weights=[o.weight for o in level.lv2])[0])
        options.extend(option for option in level.extra if rng.random() < option.weight)
        pool = list(level.spe)
        for _ in range(level.spe_count):
            pick = rng.choices(pool, weights=[o.weight for o in pool])[0]
            pool.remove(pick)
            options.append(pick)
        chosen = []
        for option in options:
            codes = school.option_groups[(level.key, option.name)]
            chosen.append(
                (codes[klass.level_pos * len(codes) // klass.level_count], option.subject)
            )
        return chosen

    def _pupil_1d(self, child: _Child, surname: str, guardians: list[_Guardian]) -> Attrs:
        """Return the Eleve attributes of a 1D pupil."""
        school, klass = child.school, child.klass
        return [
            ("ENTPersonJointure", (child.key,)),
            ("ENTPersonNom", (surname,)),
            ("ENTPersonPrenom", (child.given,)),
            ("ENTPersonCivilite", (child.title,)),
            ("ENTPersonDateNaissance", (_fr_date(child.born),)),
            ("ENTPersonStructRattach", (school.key,)),
            ("ENTEleveAutoriteParentale", [f"{g.key}${g.relation}${g.flags}" for g in guardians]),
            ("ENTPersonClasses", (f"{school.key}$$${klass.code}${klass.label}",)),
            ("ENTEleveNiveau", (child.level,)),
            ("ENTEleveCycle", (CYCLE_1D[child.level],)),
        ]

    def _guardian(self, guardian: _Guardian, degree: int, children: list[str]) -> Attrs:
        """Return the PersRelEleve attributes of a guardian in one degree's feed."""
        g = guardian
        if degree == 2:
            return [
                ("ENTPersonJointure", (g.key,)),
                ("sn", (g.sn,)),
                ("givenName", (g.given,)),
                ("personalTitle", (g.title,)),
                ("ENTPersonNomPatro", (g.patro,)),
                ("mail", (g.mail,)),
                ("homePhone", (g.home,)),
                ("mobile", (g.mobile,)),
                ("telephoneNumber", (g.work,)),
                ("ENTPersonAdresse", (g.address,)),
                ("ENTPersonCodePostal", (g.postal,)),
                ("ENTPersonVille", (g.city,)),
                ("ENTPersonPays", ("FRANCE",)),
                ("ENTAuxPersRelEleveEleve", children),
            ]
        return [
            ("ENTPersonJointure", (g.key,)),
            ("ENTPersonNom", (g.sn,)),
            ("ENTPersonPrenom", (g.given,)),
            ("ENTPersonCivilite", (g.title,)),
            ("ENTPersonMail", (g.mail,)),
            ("ENTPersRelEleveTelMobile", (g.mobile,)),
            ("ENTPersonAdresse", (g.address,)),
            ("ENTPersonCodePostal", (g.postal,)),
            ("ENTPersonVille", (g.city,)),
            ("ENTPersRelEleveEleve", children),
        ]

    def _demo_family(self, children: list[_Child], guardians: list[_Guardian]) -> None:
        """Record the demo pupils and their parent, who has children in both degrees."""
        pupil_2d, pupil_1d = children
        mother, surname = guardians[0], guardians[-1].sn
        self._account(
            pupil_2d.key, "ELV", f"pupil in {pupil_2d.klass.code} (collège of the cité scolaire)",
            pupil_2d.school, "2D", f"{pupil_2d.given} {surname}",
        )  # fmt: skip
        self._account(
            pupil_1d.key, "ELV", f"pupil in {pupil_1d.klass.code} (école of the RPI)",
            pupil_1d.school, "1D", f"{pupil_1d.given} {surname}",
        )  # fmt: skip
        self._account(
            mother.key, "TUT", "parent with children in an école and a collège",
            pupil_2d.school, "1D+2D", f"{mother.given} {mother.sn}",
        )  # fmt: skip
        self.demo_class = (pupil_2d.school, pupil_2d.klass.code)

    def _offer_delta(
        self,
        index: int,
        children: list[_Child],
        guardians: list[_Guardian],
        degrees: tuple[int, ...],
    ) -> None:
        """Offer a family to the samples the Delta draws its changes from."""
        child = children[0]
        degree = child.school.degree
        role = index % 4
        if role == 1:
            siblings = [c.key for c in children[1:] if c.school.degree == degree]
            self.departures[degree].offer(_Departure(child, [g.key for g in guardians], siblings))
        elif role == 2:
            targets = [
                klass
                for klass in child.school.classes
                if klass is not child.klass and child.level in klass.levels
            ]
            if targets:
                target = targets[self.delta_rng.randrange(len(targets))]
                self.moves[degree].offer(_Move(child, target))
        elif role == 3:
            self.relocations[degree].offer(_Relocation(guardians[0], degrees))

    # -- staff --

    def _identity(self, female_share: float = 0.65) -> _Identity:
        """Draw a staff member's identity with a unique académie e-mail address."""
        rng = self.rng
        female = rng.random() < female_share
        given = rng.choice(WOMEN if female else MEN)
        sn = rng.choice(SURNAMES)
        patro = rng.choice(SURNAMES) if female and rng.random() < 0.3 else sn
        born = date(rng.randint(1962, 1999), 1, 1) + timedelta(days=rng.randrange(365))
        stem = f"{_slug(given)}.{_slug(sn)}"
        mail, number = f"{stem}@{MAIL_DOMAIN}", 1
        while mail in self.staff_mails:
            number += 1
            mail = f"{stem}{number}@{MAIL_DOMAIN}"
        self.staff_mails.add(mail)
        return _Identity("Mme" if female else "M.", sn.upper(), given, patro.upper(), born, mail)

    def _staff_record_2d(
        self,
        key: str,
        person: _Identity,
        attached: _School,
        functions: list[str],
        posts: Sequence[_Post] = (),
    ) -> Attrs:
        """Return the PersEducNat attributes of a 2D staff member."""
        teaching = bool(posts)
        return [
            ("ENTPersonJointure", (key,)),
            ("sn", (person.sn,)),
            ("givenName", (person.given,)),
            ("personalTitle", (person.title,)),
            ("ENTPersonNomPatro", (person.patro,)),
            ("ENTPersonDateNaissance", (_fr_date(person.born),)),
            ("mail", (person.mail,)),
            ("ENTPersonStructRattach", (attached.key,)),
            ("ENTPersonFonctions", functions),
            ("PersEducNatPresenceDevantEleves", ("O" if teaching else "N",)),
            (
                "ENTAuxEnsClassesMatieres",
                [f"{p.school.key}${c}${s}" for p in posts for c, s in p.classes],
            ),
            (
                "ENTAuxEnsGroupesMatieres",
                [f"{p.school.key}${g}${s}" for p in posts for g, s in p.groups],
            ),
            (
                "ENTAuxEnsClassesPrincipal",
                [f"{p.school.key}${c}" for p in posts for c in p.principal],
            ),
        ]

    def _staff_2d(self, feed: _Feed) -> None:
        """Write 2D non-teaching staff, teachers and inspectors."""
        demo = self.plan.schools_2d[0]
        roles = (
            (FN_DIR, "DIR", "head of school (collège of the cité scolaire)"),
            (FN_DIR, "DIR", ""),
            (FN_EDU, "EVS", "CPE (conseiller principal d'éducation)"),
            (FN_AED, "EVS", ""),
            (FN_AED, "EVS", ""),
            (FN_DOC, "DOC", "documentaliste"),
            (FN_ADF, "ETA", "secretary (school office)"),
        )
        for school in self.plan.schools_2d:
            for position, (function, profile, role) in enumerate(roles):
                if function == FN_AED and position - 3 >= school.aed_count:
                    continue
                key, person = self._key(), self._identity()
                feed.add(
                    "PersEducNat",
                    key,
                    self._staff_record_2d(key, person, school, [f"{school.key}${function}"]),
                )
                self._count(profile)
                self.staff += 1
                if school is demo and role:
                    self._account(key, profile, role, school, "2D", f"{person.given} {person.sn}")
        demo_school, demo_code = self.demo_class or (demo, "")
        principal_found = multi_found = False
        for teacher in _plan_teachers_2d(self.plan, self.seed):
            key, person = self._key(), self._identity()
            discipline = SUBJECT_BY_CODE[teacher.subject].discipline
            functions = [f"{p.school.key}$ENS$ENSEIGNEMENT${discipline}" for p in teacher.posts]
            home = teacher.posts[0].school
            feed.add(
                "PersEducNat",
                key,
                self._staff_record_2d(key, person, home, functions, teacher.posts),
            )
            self._count("ENS")
            self.staff += 1
            name = f"{person.given} {person.sn}"
            is_principal = any(
                p.school is demo_school and demo_code in p.principal for p in teacher.posts
            )
            if is_principal and not principal_found:
                principal_found = True
                role = f"teacher, professeur principal of {demo_code}"
                self._account(key, "ENS", role, demo_school, "2D", name)
            elif len(teacher.posts) > 1 and home is demo and not multi_found:
                multi_found = True
                role = "teacher in two schools (collège and lycée of the cité scolaire)"
                self._account(key, "ENS", role, home, "2D", name)
            elif len(teacher.posts) == 1:
                self._offer_new_class(key, teacher)
        for number in range(_inspectors(self.people)):
            key, person = self._key(), self._identity(0.5)
            discipline = INSPECTOR_DISCIPLINES[number % len(INSPECTOR_DISCIPLINES)]
            rectorat = self.plan.rectorat
            function = f"{rectorat.key}$INS$INSPECTION${discipline}"
            feed.add("PersEducNat", key, self._staff_record_2d(key, person, rectorat, [function]))
            self._count("ACA")
            self.staff += 1
            if number == 0:
                name = f"{person.given} {person.sn}"
                self._account(key, "ACA", "inspector", rectorat, "2D", name)

    def _offer_new_class(self, key: str, teacher: _Teacher2D) -> None:
        """Offer a 2D teacher who could take one more class to the Delta sample."""
        post = teacher.posts[0]
        taught = {code for code, _ in post.classes}
        if not taught or len(taught) >= 6:
            return
        options = [
            klass.code
            for klass in post.school.classes
            if klass.code not in taught
            and teacher.subject in LEVEL_BY_KEY[klass.levels[0]].subjects
        ]
        if options:
            added = options[self.delta_rng.randrange(len(options))]
            classes = [f"{post.school.key}${c}${s}" for c, s in post.classes]
            added_value = f"{post.school.key}${added}${teacher.subject}"
            self.new_classes[2].offer(_NewClass(key, post.school, classes, added_value))

    def _staff_1d(self, feed: _Feed) -> None:
        """Write 1D ATSEM and teachers, one of whom directs each école."""
        demo, partner = self.plan.schools_1d[0], self.plan.schools_1d[1]
        for school in self.plan.schools_1d:
            key, person = self._key(), self._identity(0.95)
            feed.add(
                "PersEducNat",
                key,
                self._staff_record_1d(key, person, school, [f"{school.key}${FN_AES}"], [], False),
            )
            self._count("EVS")
            self.staff += 1
            if school is demo:
                self._account(key, "EVS", "ATSEM", school, "1D", f"{person.given} {person.sn}")
        for teacher in _plan_teachers_1d(self.plan, self.seed):
            key, person = self._key(), self._identity(0.85)
            school, klass = teacher.school, teacher.klass
            functions = [f"{school.key}${FN_ENS_1D}"]
            classes = [f"{school.key}$$${klass.code}${klass.label}"]
            if teacher.director:
                functions.insert(0, f"{school.key}${FN_DIR}")
            if teacher.extra is not None:
                other, other_class = teacher.extra
                functions.append(f"{other.key}${FN_ENS_1D}")
                classes.append(f"{other.key}$$${other_class.code}${other_class.label}")
            feed.add(
                "PersEducNat",
                key,
                self._staff_record_1d(key, person, school, functions, classes, teacher.director),
            )
            self._count("DIR" if teacher.director else "ENS")
            self.staff += 1
            name = f"{person.given} {person.sn}"
            if school is demo and teacher.director:
                role = f"école director who also teaches {klass.code}"
                self._account(key, "DIR", role, school, "1D", name)
            elif school is demo and klass is school.classes[-1]:
                self._account(
                    key, "ENS", f"professeur des écoles in {klass.code}", school, "1D", name
                )
            elif school is partner and teacher.extra is not None and teacher.extra[0] is demo:
                role = "professeur des écoles in two écoles (RPI)"
                self._account(key, "ENS", role, school, "1D", name)
            elif not teacher.director and teacher.extra is None and len(school.classes) > 1:
                added = school.classes[0]
                self.new_classes[1].offer(
                    _NewClass(key, school, classes, f"{school.key}$$${added.code}${added.label}")
                )

    def _staff_record_1d(
        self,
        key: str,
        person: _Identity,
        school: _School,
        functions: list[str],
        classes: list[str],
        director: bool,
    ) -> Attrs:
        """Return the PersEducNat attributes of a 1D staff member."""
        return [
            ("ENTPersonJointure", (key,)),
            ("ENTPersonNom", (person.sn,)),
            ("ENTPersonPrenom", (person.given,)),
            ("ENTPersonCivilite", (person.title,)),
            ("ENTPersonMail", (person.mail,)),
            ("ENTPersonDateNaissance", (_fr_date(person.born),)),
            ("ENTPersonStructRattach", (school.key,)),
            ("ENTPersonFonctions", functions),
            ("ENTPersonClasses", classes),
            ("ENTEnsFonctionDir", (school.key,) if director else ()),
            ("ENTPersonCategorieEnseignant", ("true" if classes else "false",)),
        ]

    # -- delta --

    def _delta(self, feeds: dict[int, _Feed]) -> dict[str, dict[str, str] | None]:
        """Write the next day's changes and return the demo keys of one of each kind."""
        rng = self.delta_rng
        added: dict[int, dict[str, str]] = {}
        for degree in (2, 1):
            schools = self.plan.schools_2d if degree == 2 else self.plan.schools_1d
            for _ in range(self.delta_unit):
                school = schools[rng.randrange(len(schools))]
                klass = school.classes[rng.randrange(len(school.classes))]
                level = klass.levels[rng.randrange(len(klass.levels))]
                child = self._child(school, klass, level)
                guardians = self._guardians(school.commune, rng.random() < 0.6)
                surname = guardians[-1].sn
                if degree == 2:
                    attrs = self._pupil_2d(child, surname, guardians, self.next_day)
                    feeds[2].add("Eleve", child.key, attrs)
                else:
                    feeds[1].add("Eleve", child.key, self._pupil_1d(child, surname, guardians))
                for guardian in guardians:
                    feeds[degree].add(
                        "PersRelEleve", guardian.key, self._guardian(guardian, degree, [child.key])
                    )
                added.setdefault(
                    degree,
                    {"key": child.key, "school_uai": school.uai, "class": klass.code},
                )
        moved: dict[int, dict[str, str]] = {}
        for degree in (2, 1):
            for item in self.moves[degree].items:
                self._delta_move(feeds[degree], item)
                moved.setdefault(
                    degree,
                    {
                        "key": item.child.key,
                        "school_uai": item.child.school.uai,
                        "from_class": item.child.klass.code,
                        "to_class": item.target.code,
                    },
                )
        for degree in (2, 1):
            for relocation in self.relocations[degree].items:
                self._delta_relocation(feeds, relocation)
            for new_class in self.new_classes[degree].items:
                name = "ENTAuxEnsClassesMatieres" if degree == 2 else "ENTPersonClasses"
                values = [*new_class.classes, new_class.added]
                feeds[degree].modify("PersEducNat", new_class.key, [(name, values)])
        deleted: dict[int, dict[str, str]] = {}
        for degree in (2, 1):
            for departure in self.departures[degree].items:
                feed = feeds[degree]
                feed.delete("Eleve", departure.child.key)
                for guardian_key in departure.guardians:
                    if departure.siblings:
                        name = "ENTAuxPersRelEleveEleve" if degree == 2 else "ENTPersRelEleveEleve"
                        feed.modify("PersRelEleve", guardian_key, [(name, departure.siblings)])
                    else:
                        feed.delete("PersRelEleve", guardian_key)
                deleted.setdefault(
                    degree,
                    {
                        "key": departure.child.key,
                        "school_uai": departure.child.school.uai,
                        "class": departure.child.klass.code,
                    },
                )

        def first(found: dict[int, dict[str, str]]) -> dict[str, str] | None:
            for degree in (2, 1):
                if degree in found:
                    return {**found[degree], "degree": f"{degree}D"}
            return None

        return {
            "added_pupil": first(added),
            "moved_pupil": first(moved),
            "deleted_pupil": first(deleted),
        }

    def _delta_move(self, feed: _Feed, item: _Move) -> None:
        """Write the modifyRequest that moves a pupil to another class."""
        school, target = item.child.school, item.target
        if school.degree == 2:
            entry = _fr_date(self.next_day)
            changes: Attrs = [
                ("ENTEleveClasses", (f"{school.key}${target.code}",)),
                ("ENTEleveDateEntreeClasses", (f"{school.key}${entry}${target.code}",)),
            ]
        else:
            changes = [("ENTPersonClasses", (f"{school.key}$$${target.code}${target.label}",))]
        feed.modify("Eleve", item.child.key, changes)

    def _delta_relocation(self, feeds: dict[int, _Feed], item: _Relocation) -> None:
        """Write the modifyRequests of a guardian's new mail and address."""
        rng = self.delta_rng
        guardian = item.guardian
        commune = COMMUNES[rng.randrange(len(COMMUNES))]
        address = f"{rng.randint(1, 120)} {STREETS[rng.randrange(len(STREETS))]}$$$"
        provider = MAIL_PROVIDERS[rng.randrange(len(MAIL_PROVIDERS))]
        mail = f"{_slug(guardian.given)}.{_slug(guardian.sn)}{rng.randint(100, 999)}@{provider}"
        for degree in item.degrees:
            feeds[degree].modify(
                "PersRelEleve",
                guardian.key,
                [
                    ("mail" if degree == 2 else "ENTPersonMail", (mail,)),
                    ("ENTPersonAdresse", (address,)),
                    ("ENTPersonCodePostal", (commune.postal_code,)),
                    ("ENTPersonVille", (commune.name,)),
                ],
            )
