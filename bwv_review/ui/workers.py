"""Kept for code that still imports ``ui.workers``: the task helper is ``ui.tasks``."""

from .tasks import WORKER_MODULES, Task, TaskPool, preload_worker_modules

__all__ = ["WORKER_MODULES", "Task", "TaskPool", "preload_worker_modules"]
