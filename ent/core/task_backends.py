"""In-process background work for the embedded default (ENT_TASKS_BACKEND=thread).

Django-tasks' immediate backend runs a task inside the request that enqueued it: sending a
mail to a list of 1,000 people would make the sender wait for every delivery. This backend
runs each task on a small pool of threads of the same process instead, so the request answers
at once, with no worker process to start. Production uses the database backend and
`ent db_worker` processes on any host.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id

logger = logging.getLogger(__name__)


class ThreadBackend(ImmediateBackend):
    """Run each task on a thread of this process, in the order they were enqueued."""

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        workers = int(params.get("OPTIONS", {}).get("threads", settings.ENT_TASKS_THREADS))
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ent-task")

    def _run(self, task_result: TaskResult[Any]) -> None:
        close_old_connections()
        try:
            self._execute_task(task_result)
            if task_result.status == TaskResultStatus.FAILED:
                logger.error(
                    "Task %s failed: %s",
                    task_result.task.name,
                    task_result.errors[-1].traceback if task_result.errors else "",
                )
        finally:
            close_old_connections()

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any]:
        self.validate_task(task)
        task_result: TaskResult[Any] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        self.pool.submit(self._run, task_result)
        return task_result
