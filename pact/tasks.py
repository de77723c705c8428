"""Celery tasks of the PACT host: take ids, re-read state, idempotent."""

from celery import shared_task

from . import conf
from .answers import request_answer_deliver
from .delivery import DeliveryFailed


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=conf.retry_backoff_max(),
    retry_jitter=True,
    max_retries=conf.delivery_max_retries(),
)
def pact_request_answer(self, outbound_event_id: int) -> str:
    """Answer a footprint request with RequestFulfilled or RequestRejected, POSTed to the
    partner's events endpoint; retried with exponential backoff (30 s doubling to at most 1 h,
    with jitter; see conf.retry_backoff_max) until it is taken or the 72-hour window closes."""
    return request_answer_deliver(outbound_event_id=outbound_event_id)
