"""The embedded default's background work: the request answers before the work is done."""

from __future__ import annotations

import threading

import pytest
from django_tasks import task
from django_tasks.base import TaskResultStatus

from ent.core.task_backends import ThreadBackend

release = threading.Event()
finished = threading.Event()
seen: list[str] = []


@task()
def slow_work(name: str) -> None:
    release.wait(timeout=10)
    seen.append(name)
    finished.set()


@task()
def failing_work() -> None:
    raise RuntimeError("a broken task")


@pytest.fixture
def backend():
    backend = ThreadBackend("threads", {"OPTIONS": {"threads": 1}})
    yield backend
    backend.pool.shutdown(wait=True)


def test_enqueue_returns_before_the_work_is_done(backend):
    release.clear()
    finished.clear()
    seen.clear()
    result = backend.enqueue(slow_work, ["liste 4B"], {})
    # The caller is free while the task still waits.
    assert not finished.is_set()
    assert seen == []
    release.set()
    assert finished.wait(timeout=10)
    backend.pool.shutdown(wait=True)
    assert seen == ["liste 4B"]
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_a_failing_task_is_recorded_and_logged_not_raised(backend, caplog):
    result = backend.enqueue(failing_work, [], {})
    backend.pool.shutdown(wait=True)
    assert result.status == TaskResultStatus.FAILED
    assert "a broken task" in result.errors[-1].traceback
    assert any("failed" in record.getMessage() for record in caplog.records)
