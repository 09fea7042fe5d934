"""The reference list of competencies: the eight components of the socle commun as the livret
scolaire (LSU) codes them, and the mathematics competencies of the programmes. Labels are
national reference data, kept in French as published. Plain data: migrations import it."""

COMPETENCIES: tuple[tuple[str, str, str], ...] = (
    (
        "CPD_FRA",
        "D1.1",
        "Comprendre, s'exprimer en utilisant la langue française à l'oral et à l'écrit",
    ),
    (
        "CPD_ETR",
        "D1.2",
        "Comprendre, s'exprimer en utilisant une langue étrangère et, le cas échéant, "
        "une langue régionale",
    ),
    (
        "CPD_SCI",
        "D1.3",
        "Comprendre, s'exprimer en utilisant les langages mathématiques, scientifiques "
        "et informatiques",
    ),
    ("CPD_ART", "D1.4", "Comprendre, s'exprimer en utilisant les langages des arts et du corps"),
    ("MET_APP", "D2", "Les méthodes et outils pour apprendre"),
    ("FRM_CIT", "D3", "La formation de la personne et du citoyen"),
    ("SYS_NAT", "D4", "Les systèmes naturels et les systèmes techniques"),
    ("REP_MND", "D5", "Les représentations du monde et l'activité humaine"),
    ("MATH_CHE", "D2", "Chercher"),
    ("MATH_MOD", "D4", "Modéliser"),
    ("MATH_REP", "D1.3", "Représenter"),
    ("MATH_RAI", "D2", "Raisonner"),
    ("MATH_CAL", "D1.3", "Calculer"),
    ("MATH_COM", "D1.1", "Communiquer"),
    ("MATH_RES", "D4", "Résoudre des problèmes"),
)
