"""Webhooks for marketplaces: subscriptions to label events, an outbox of signed deliveries
(Standard Webhooks signatures, CloudEvents 1.0 bodies), retries, a delivery log and pushes.

A map of the package:
- models: endpoints, deliveries (the outbox rows), attempts, pushes
- outbox: the writer called inside a label's status-change transaction
- sending: claim a due delivery, POST it, record the attempt, schedule the retry
- services / selectors: the portal's and the API's writes and access-checked reads
- tasks: `webhook_deliver` (one delivery) and `webhook_deliveries_due` (the beat sweep)
"""

# Celery's autodiscovery imports `<app>.tasks` only (here: labels.tasks). Importing our tasks
# module with the package registers them in every process that loads the labels models, the
# worker included. The module imports nothing from Django models at import time.
from . import tasks  # noqa: F401
