"""Feed runs in three stages (SOC-INT-IED-01/02/03): analyse, plan, apply in lots.

Analysis reads the whole export before anything changes: a file that cannot be read stops the
run with nothing applied. Each record is checked and staged with its digest; records that cannot
be understood go to quarantine. The plan compares digests with the directory. Apply then works
lot by lot, each lot in its own transaction, and a lot's status is the checkpoint from which an
interrupted run resumes. A failed lot is retried, then applied record by record so that only the
guilty records go to quarantine; `replay_run` tries quarantined records and failed lots again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from ent.audit.actions import record
from ent.core.bulk import insert_rows
from ent.directory import aaf
from ent.directory.actions import FeedItem, Outcome, apply_feed_records, finish_feed_run
from ent.directory.models import ExternalId, Guardianship, Mef, School, Source, Subject, User

from .models import (
    FeedLot,
    FeedRun,
    LotStatus,
    Mode,
    Plan,
    QuarantinedRecord,
    QuarantineKind,
    QuarantineStatus,
    RunStatus,
    StagedRecord,
)

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
BATCH = 1000


class RunError(Exception):
    """A run that cannot go on; its message says why and what to do."""


def _quiet(stage: str, done: int, total: int) -> None:
    return None


# ---------------------------------------------------------------------------------------------
# Entry points


class AlreadyImportedError(RunError):
    """The same export, byte for byte, has already been applied."""

    def __init__(self, run: FeedRun) -> None:
        super().__init__(
            f"these files were already imported by run {run.pk} "
            f"({run.finished_at or run.started_at:%Y-%m-%d %H:%M}): nothing to do. "
            "Use --force to read them again."
        )
        self.run = run


def import_feed(
    *,
    actor: User | None,
    path: Path,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress = _quiet,
) -> FeedRun:
    """Import an AAF export: resume the unfinished run of the same files, or start a new one."""
    try:
        source = aaf.FeedSource(path)
        content = source.digest()
    except aaf.FeedError as error:
        raise RunError(str(error)) from None
    if not dry_run:
        unfinished = (
            FeedRun.objects.unfinished().filter(content_digest=content).order_by("-pk").first()
        )
        if unfinished is not None and unfinished.status == RunStatus.APPLYING:
            return resume_run(actor=actor, run=unfinished, progress=progress)
        # The académie's drop folder often delivers the same archive twice.
        done = FeedRun.objects.filter(
            content_digest=content, is_dry_run=False, status=RunStatus.DONE
        ).order_by("-pk")
        if not force and done.exists():
            raise AlreadyImportedError(done[0])
    run = FeedRun.objects.create(
        source=str(path),
        content_digest=content,
        mode=source.mode,
        status=RunStatus.ANALYSING,
        is_dry_run=dry_run,
        actor=actor,
    )
    record(
        actor=actor,
        action="exchange.run.start",
        target=run,
        run_id=run.pk,
        data={"source": str(path), "mode": run.mode, "dry_run": dry_run},
    )
    try:
        analyse(run=run, source=source, progress=progress)
    except aaf.FeedError as error:
        _fail(run, str(error))
        raise RunError(str(error)) from None
    if dry_run:
        return run
    return apply_run(actor=actor, run=run, progress=progress)


def resume_run(*, actor: User | None, run: FeedRun, progress: Progress = _quiet) -> FeedRun:
    """Take an interrupted run up again from its last finished lot."""
    if run.is_dry_run:
        raise RunError(f"run {run.pk} is a dry run: it has nothing to apply.")
    if run.status == RunStatus.ANALYSING:
        raise RunError(
            f"run {run.pk} stopped during analysis, before anything was applied: "
            "import the files again."
        )
    if run.status not in {RunStatus.APPLYING, RunStatus.PLANNED}:
        raise RunError(f"run {run.pk} is {run.get_status_display()}: there is nothing to resume.")
    record(actor=actor, action="exchange.run.resume", target=run, run_id=run.pk)
    # A lot that stopped the run is taken up again with fresh attempts.
    FeedLot.objects.filter(run=run, status=LotStatus.FAILED).update(
        status=LotStatus.PENDING, attempts=0
    )
    return apply_run(actor=actor, run=run, progress=progress)


def replay_run(*, actor: User | None, run: FeedRun, progress: Progress = _quiet) -> FeedRun:
    """Apply a run's failed lots and quarantined records again (SOC-INT-IED-02)."""
    if run.is_dry_run:
        raise RunError(f"run {run.pk} is a dry run: import the files to apply them.")
    if run.status in {RunStatus.ANALYSING, RunStatus.FAILED} and not run.lots.exists():
        raise RunError(f"run {run.pk} never got past its analysis: import the corrected files.")
    record(actor=actor, action="exchange.run.replay", target=run, run_id=run.pk)
    FeedLot.objects.filter(run=run, status=LotStatus.FAILED).update(
        status=LotStatus.PENDING, attempts=0
    )
    apply_run(actor=actor, run=run, progress=progress, finish=False)
    entries = list(run.quarantine.open().order_by("pk"))
    for entry in entries:
        _replay_entry(actor, run, entry)
    return _finish(actor, run, replay=True)


# ---------------------------------------------------------------------------------------------
# Stage 1 and 2: analyse and plan


def analyse(*, run: FeedRun, source: aaf.FeedSource, progress: Progress = _quiet) -> None:
    """Read, check and stage every record, then write the plan; nothing in the directory changes."""
    reading = aaf.Reading()
    batch: list[_Staged] = []
    seq = 0
    plan: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    covered: list[str] = []
    for item in aaf.read_records(source):
        if isinstance(item, aaf.RecordError):
            _quarantine_reading(run, item, plan)
            continue
        try:
            payload = aaf.normalise(item, reading)
        except aaf.RecordError as rejected:
            _quarantine(
                run,
                QuarantineKind.REJECTED,
                item.file,
                item.index,
                str(rejected),
                record_kind=item.kind,
                operation=item.operation,
                key=item.key,
                raw=item.attributes,
            )
            plan[item.kind]["REJECTED"] += 1
            continue
        seq += 1
        if item.kind == "school" and item.operation == "add":
            covered.append(item.key)
        digest = aaf.record_digest(payload) if item.operation == "add" else ""
        batch.append(_Staged(seq, item, digest, payload))
        if len(batch) >= BATCH:
            _stage(run, batch, plan)
            batch = []
            progress("analyse", seq, 0)
    _stage(run, batch, plan)
    if run.mode == Mode.COMPLET:
        for kind, count in _disappearing(run, covered).items():
            plan[kind]["DISAPPEAR"] = count
    run.plan = {kind: dict(counts) for kind, counts in plan.items()}
    run.report = {
        "unknown_attributes": reading.unknown,
        "deprecated_attributes": reading.deprecated,
        "covered_structures": covered if run.mode == Mode.COMPLET else None,
    }
    run.status = RunStatus.PLANNED
    run.save(update_fields=["plan", "report", "status"])
    if reading.unknown:
        logger.warning("run %s: unknown attributes skipped: %s", run.pk, reading.unknown)
    _cut_lots(run)


@dataclass
class _Staged:
    """A record read during analysis, before it is stored as a StagedRecord."""

    seq: int
    raw: aaf.RawRecord
    digest: str
    payload: dict[str, Any] | None


STAGED_FIELDS = (
    "run_id",
    "seq",
    "kind",
    "operation",
    "key",
    "file",
    "index",
    "plan",
    "digest",
    "payload",
)


def _stage(run: FeedRun, batch: list[_Staged], plan: dict[str, dict[str, int]]) -> None:
    """Compare a batch with the directory, drop unchanged payloads and store the batch."""
    by_kind: dict[str, list[_Staged]] = defaultdict(list)
    for staged in batch:
        by_kind[staged.raw.kind].append(staged)
    rows: list[tuple[Any, ...]] = []
    for kind, records in by_kind.items():
        digests = _digests(kind, [staged.raw.key for staged in records])
        for staged in records:
            raw = staged.raw
            if raw.operation == "delete":
                verdict = Plan.DELETE
            elif raw.key in digests:
                same = _unchanged(kind, staged.digest, staged.payload, digests[raw.key])
                verdict = Plan.UNCHANGED if same else Plan.UPDATE
            else:
                verdict = Plan.CREATE
            payload = None if verdict == Plan.UNCHANGED else staged.payload
            plan[kind][verdict] += 1
            where = (raw.key, raw.file, raw.index)
            rows.append(
                (run.pk, staged.seq, kind, raw.operation, *where, verdict, staged.digest, payload)
            )
    insert_rows(StagedRecord, STAGED_FIELDS, rows)


def _unchanged(kind: str, digest: str, payload: dict[str, Any] | None, stored: str) -> bool:
    """Tell whether a record is the one applied last (per feed, for people)."""
    if not digest or not stored:
        return False
    if kind in {"pupil", "guardian", "staff"}:
        feed = (payload or {}).get("feed", "2D")
        return aaf.digest_parts(stored).get(feed) == digest
    return stored == digest


def _digests(kind: str, keys: list[str]) -> dict[str, str]:
    """Return the digest of the last record applied for each known key."""
    rows: Any
    if kind in {"pupil", "guardian", "staff"}:
        rows = ExternalId.objects.filter(source=Source.AAF, value__in=keys).values_list(
            "value", "record_digest"
        )
    elif kind == "school":
        rows = School.objects.filter(joint_key__in=keys).values_list("joint_key", "feed_digest")
    else:
        model = Subject if kind == "subject" else Mef
        rows = model.objects.filter(code__in=keys).values_list("code", "feed_digest")
    return {key: digest or "" for key, digest in rows}


def _disappearing(run: FeedRun, covered: list[str]) -> dict[str, int]:
    """Count the people of the covered structures that this Complet no longer lists."""
    from ent.directory.models import Membership

    missing = ExternalId.objects.filter(source=Source.AAF, person__is_active=True)
    for seen in _seen_keys(run):
        missing = missing.exclude(value__in=seen)
    people = Membership.objects.filter(
        school__joint_key__in=covered, person_id__in=missing.values("person_id")
    )
    counts: dict[str, int] = {}
    for profile, kind in (("ELV", "pupil"), ("TUT", "guardian")):
        counts[kind] = people.filter(profile=profile).values("person_id").distinct().count()
    counts["staff"] = (
        people.exclude(profile__in=["ELV", "TUT"]).values("person_id").distinct().count()
    )
    return {kind: count for kind, count in counts.items() if count}


def _cut_lots(run: FeedRun) -> None:
    """Split the records to apply into lots of one kind each."""
    lots: list[FeedLot] = []
    current: list[int] = []
    current_kind = ""
    size = settings.AAF_LOT_SIZE

    def close() -> None:
        if current:
            lots.append(
                FeedLot(
                    run=run,
                    number=len(lots) + 1,
                    kind=current_kind,
                    first_seq=current[0],
                    last_seq=current[-1],
                    size=len(current),
                )
            )

    rows = StagedRecord.objects.filter(run=run).exclude(plan=Plan.UNCHANGED).order_by("seq")
    for seq, kind in rows.values_list("seq", "kind").iterator(chunk_size=5000):
        if kind != current_kind or len(current) >= size:
            close()
            current, current_kind = [], kind
        current.append(seq)
    close()
    FeedLot.objects.bulk_create(lots, batch_size=500)


# ---------------------------------------------------------------------------------------------
# Stage 3: apply


def apply_run(
    *, actor: User | None, run: FeedRun, progress: Progress = _quiet, finish: bool = True
) -> FeedRun:
    """Apply a planned run's pending lots in order, then close the run."""
    if FeedRun.objects.filter(status=RunStatus.APPLYING).exclude(pk=run.pk).exists():
        other = FeedRun.objects.filter(status=RunStatus.APPLYING).exclude(pk=run.pk).first()
        raise RunError(
            f"run {other.pk if other else '?'} is being applied; resume or finish it first."
        )
    run.status = RunStatus.APPLYING
    run.save(update_fields=["status"])
    total = run.lots.count()
    for lot in run.lots.filter(status=LotStatus.PENDING).order_by("number"):
        _apply_lot(actor, run, lot)
        if lot.status == LotStatus.FAILED and lot.error.startswith("systemic:"):
            run.error = lot.error
            run.save(update_fields=["error"])
            raise RunError(
                f"run {run.pk} stopped at lot {lot.number}: {lot.error} "
                f"Resume it with `ent aaf resume {run.pk}` once the cause is fixed."
            )
        progress("apply", lot.number, total)
    return _finish(actor, run) if finish else run


def _items(run: FeedRun, lot: FeedLot) -> list[tuple[StagedRecord, FeedItem]]:
    rows = (
        StagedRecord.objects.filter(run=run, seq__gte=lot.first_seq, seq__lte=lot.last_seq)
        .exclude(plan=Plan.UNCHANGED)
        .order_by("seq")
    )
    return [
        (row, FeedItem(row.seq, row.operation, row.key, row.payload or {}, row.digest))
        for row in rows
    ]


def _apply_lot(actor: User | None, run: FeedRun, lot: FeedLot) -> None:
    """Apply one lot in one transaction; retry it, then isolate the records that fail."""
    pairs = _items(run, lot)
    items = [item for _row, item in pairs]
    while lot.attempts < settings.AAF_LOT_RETRIES:
        lot.attempts += 1
        try:
            with transaction.atomic():
                outcome = apply_feed_records(actor=actor, run_id=run.pk, kind=lot.kind, items=items)
                _record_outcome(run, pairs, outcome)
                lot.status, lot.finished_at, lot.error = LotStatus.DONE, timezone.now(), ""
                lot.save(update_fields=["status", "finished_at", "error", "attempts"])
            return
        except DatabaseError as error:
            lot.error = f"{type(error).__name__}: {error}"
            logger.warning(
                "run %s lot %s attempt %s failed: %s", run.pk, lot.number, lot.attempts, lot.error
            )
        except Exception as error:
            lot.error = f"{type(error).__name__}: {error}"
            break
    _apply_one_by_one(actor, run, lot, pairs)


def _apply_one_by_one(
    actor: User | None, run: FeedRun, lot: FeedLot, pairs: list[tuple[StagedRecord, FeedItem]]
) -> None:
    failures: list[tuple[StagedRecord, str]] = []
    for row, item in pairs:
        try:
            with transaction.atomic():
                outcome = apply_feed_records(
                    actor=actor, run_id=run.pk, kind=lot.kind, items=[item]
                )
                _record_outcome(run, [(row, item)], outcome)
        except Exception as error:
            failures.append((row, f"{type(error).__name__}: {error}"))
    if failures and len(failures) == len(pairs):
        lot.status = LotStatus.FAILED
        lot.error = f"systemic: every record failed, first: {failures[0][1]}."
        lot.save(update_fields=["status", "error", "attempts"])
        return
    for row, reason in failures:
        _quarantine(
            run,
            QuarantineKind.REJECTED,
            row.file,
            row.index,
            reason,
            record_kind=row.kind,
            operation=row.operation,
            key=row.key,
            payload=row.payload,
            digest=row.digest,
        )
    lot.status, lot.finished_at = LotStatus.DONE, timezone.now()
    lot.save(update_fields=["status", "finished_at", "error", "attempts"])


def _record_outcome(
    run: FeedRun, pairs: list[tuple[StagedRecord, FeedItem]], outcome: Outcome
) -> None:
    rows = {row.seq: row for row, _item in pairs}
    for seq, (severity, reason) in outcome.problems.items():
        row = rows[seq]
        if severity == "WARNING":
            warnings = run.report.setdefault("warnings", [])
            if len(warnings) < 1000:
                warnings.append(f"{row.file}, record {row.index} ({row.key}): {reason}")
            continue
        _quarantine(
            run,
            severity,
            row.file,
            row.index,
            reason,
            record_kind=row.kind,
            operation=row.operation,
            key=row.key,
            payload=row.payload,
            digest=row.digest,
        )
    applied = run.report.setdefault("applied", {})
    kind = next(iter(rows.values())).kind if rows else ""
    for name, count in outcome.counts.items():
        applied.setdefault(kind, {}).setdefault(name, 0)
        applied[kind][name] += count
    run.save(update_fields=["report"])


def _seen_keys(run: FeedRun) -> list[Any]:
    """Queries of the person keys a run listed, including records it set aside."""
    people = ["pupil", "guardian", "staff"]
    return [
        StagedRecord.objects.filter(run=run, kind__in=people)
        .exclude(operation="delete")
        .values("key"),
        # A person whose record was rejected is still listed by the feed: not departed.
        QuarantinedRecord.objects.filter(run=run, record_kind__in=people)
        .exclude(operation="delete")
        .values("key"),
    ]


def _finish(actor: User | None, run: FeedRun, *, replay: bool = False) -> FeedRun:
    """Close a run; a replay links and counts again but never removes anyone."""
    covered = run.report.get("covered_structures") if run.mode == Mode.COMPLET else None
    if covered is not None and not covered and not replay:
        run.report.setdefault("warnings", []).append(
            "This Complet has no structure file: nobody is deactivated."
        )
    result = finish_feed_run(
        actor=actor,
        run_id=run.pk,
        seen_keys=[] if replay else _seen_keys(run),
        covered_school_keys=None if replay else (covered or None),
    )
    run.report["replay" if replay else "finish"] = result
    if not replay:
        run.report.setdefault("warnings", []).extend(_dangling_guardians(run))
    open_count = run.quarantine.open().count()
    failed = run.lots.filter(status=LotStatus.FAILED).exists()
    run.status = RunStatus.DONE_WITH_ERRORS if open_count or failed else RunStatus.DONE
    run.finished_at = timezone.now()
    run.report["quarantine_open"] = open_count
    run.save(update_fields=["status", "finished_at", "report"])
    # Staged payloads are no longer needed once applied: quarantine keeps its own copy.
    StagedRecord.objects.filter(run=run).delete()
    record(
        actor=actor,
        action="exchange.run.finish",
        target=run,
        run_id=run.pk,
        data={"status": run.status, "quarantine": open_count},
    )
    return run


def _dangling_guardians(run: FeedRun, limit: int = 200) -> list[str]:
    """Name the pupils of this run whose guardian is still missing from the directory."""
    pupils = StagedRecord.objects.filter(run=run, kind="pupil").values("key")
    rows = list(
        Guardianship.objects.pending()
        .filter(pupil__external_ids__source=Source.AAF, pupil__external_ids__value__in=pupils)
        .values_list("pupil__external_ids__value", "guardian_key")
        .order_by("pk")[:limit]
    )
    where = {
        key: (file, index)
        for key, file, index in StagedRecord.objects.filter(
            run=run, kind="pupil", key__in={pupil for pupil, _ in rows}
        ).values_list("key", "file", "index")
    }
    return [
        f"{where[pupil][0]}, record {where[pupil][1]} ({pupil}): guardian {guardian} is not "
        "in the directory; the link waits for their record."
        for pupil, guardian in rows
    ]


def _fail(run: FeedRun, message: str) -> None:
    run.status = RunStatus.FAILED
    run.error = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    StagedRecord.objects.filter(run=run).delete()
    record(
        actor=None,
        action="exchange.run.fail",
        target=run,
        run_id=run.pk,
        outcome="FAILURE",
        data={"error": message},
    )


# ---------------------------------------------------------------------------------------------
# Quarantine


def _quarantine_reading(
    run: FeedRun, rejected: aaf.RecordError, plan: dict[str, dict[str, int]]
) -> None:
    _quarantine(run, QuarantineKind.REJECTED, rejected.file, rejected.index, str(rejected))
    plan["unreadable"]["REJECTED"] += 1


def _quarantine(
    run: FeedRun,
    severity: str,
    file: str,
    index: int,
    reason: str,
    *,
    payload: dict[str, Any] | None = None,
    digest: str = "",
    **fields: Any,
) -> QuarantinedRecord:
    """Set a record aside with its diagnostic; a payload is kept so that replay can apply it."""
    kept = None if payload is None else {"payload": payload, "digest": digest}
    return QuarantinedRecord.objects.create(
        run=run, kind=severity, file=file, index=index, reason=reason, payload=kept, **fields
    )


def _replay_entry(actor: User | None, run: FeedRun, entry: QuarantinedRecord) -> None:
    """Apply one quarantined record again; it is resolved when it applies cleanly."""
    entry.attempts += 1
    try:
        item = _entry_item(entry)
        with transaction.atomic():
            outcome = apply_feed_records(
                actor=actor, run_id=run.pk, kind=entry.record_kind, items=[item]
            )
    except (aaf.RecordError, ValueError, DatabaseError, KeyError) as error:
        entry.reason = f"{entry.reason} | replay {entry.attempts}: {error}"
        entry.save(update_fields=["reason", "attempts"])
        return
    problem = outcome.problems.get(item.seq)
    if problem is None or problem[0] == "WARNING":
        entry.status, entry.resolved_at = QuarantineStatus.RESOLVED, timezone.now()
        entry.save(update_fields=["status", "resolved_at", "attempts"])
        record(actor=actor, action="exchange.quarantine.resolve", target=entry, run_id=run.pk)
    else:
        entry.reason = problem[1]
        entry.save(update_fields=["reason", "attempts"])


def _entry_item(entry: QuarantinedRecord) -> FeedItem:
    if entry.payload is not None:
        return FeedItem(
            0, entry.operation, entry.key, entry.payload["payload"], entry.payload["digest"]
        )
    if entry.raw is None or not entry.record_kind:
        raise aaf.RecordError(
            "the record could not be read at all; correct the file and import it again."
        )
    raw = aaf.RawRecord(
        entry.file, entry.index, entry.operation, entry.record_kind, entry.key, entry.raw
    )
    payload = aaf.normalise(raw, aaf.Reading())
    digest = aaf.record_digest(payload) if raw.operation == "add" else ""
    return FeedItem(0, raw.operation, raw.key, payload, digest)
