"""Celery beat's scheduler: django-celery-beat's database scheduler, which keeps each periodic
task's last run in the database, so a beat that was down runs every overdue sweep as soon as it
starts again. What it does not do is send again a run the broker refused: it counts the run as
done when it tries to send it, and an hourly sweep due while Redis was down would wait for the
next hour. This one keeps such runs and sends them at its next ticks, as soon as the broker
takes them again."""

import logging
from typing import Any

from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


class CatchingUpScheduler(DatabaseScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Runs the broker refused, by schedule entry name; one is enough: a sweep does it all.
        self.unsent: dict[str, Any] = {}
        super().__init__(*args, **kwargs)

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any):
        try:
            result = super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        except Exception:
            self.unsent[entry.name] = entry
            raise
        self.unsent.pop(entry.name, None)
        return result

    def tick(self, *args: Any, **kwargs: Any) -> float:
        for name, entry in list(self.unsent.items()):
            try:
                self.apply_async(entry, producer=self.producer, advance=False)
            except Exception as error:
                logger.warning("beat: %s still cannot be sent: %s", name, error)
                break  # the broker is still down; the next tick tries again
            logger.info("beat: sent %s, missed while the broker was down", name)
        return super().tick(*args, **kwargs)
