"""Demo documents for `ent demo setup`: for a teacher of one school per degree, a small tree of
course folders with a few text files, one folder shared with a class. Idempotent and fast."""

from __future__ import annotations

from collections.abc import Callable

from ent.directory.models import School, TeachingAssignment

from .actions import create_folder, share_item, upload
from .models import Folder

ROOT = "Cours"
FILES = {
    "Progression annuelle.txt": "Séquence 1 : la Révolution française\nSéquence 2 : l'Empire\n",
    "Sortie au musée - autorisation.txt": "Autorisation de sortie à compléter et signer.\n",
}
SHARED = "Documents de la classe"
SHARED_FILES = {
    "Fiche de révision.txt": "Dates clés : 1789, 1792, 1799, 1804.\n",
    "Consignes de l'exposé.txt": "Exposé de 5 minutes, en binôme, pour le 15 du mois.\n",
}


def populate(*, log: Callable[[str], None]) -> None:
    """Give a teacher of one school per degree a few folders and documents, once."""
    for degree in (2, 1):
        assignment = (
            TeachingAssignment.objects.filter(
                school_class__isnull=False, school_class__school__degree=degree
            )
            .filter(school_class__school__in=School.objects.filter(is_active=True))
            .select_related("teacher", "school_class")
            .order_by("school_class__school__uai", "school_class__code", "pk")
            .first()
        )
        if assignment is None or assignment.school_class is None:
            continue
        teacher = assignment.teacher
        if Folder.objects.filter(owner=teacher, parent=None, name=ROOT).exists():
            continue
        courses = create_folder(actor=teacher, name=ROOT)
        for name, text in FILES.items():
            upload(actor=teacher, folder=courses, name=name, data=text.encode())
        shared = create_folder(actor=teacher, name=SHARED, parent=courses)
        for name, text in SHARED_FILES.items():
            upload(actor=teacher, folder=shared, name=name, data=text.encode())
        share_item(actor=teacher, item=shared, with_=assignment.school_class, role=10)
        log(f"  documents: {teacher.display_name}, shared with {assignment.school_class}")
