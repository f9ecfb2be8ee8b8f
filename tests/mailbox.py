"""What the sender would hand to the mail server, without one: for tests that
need a link from an email. A password reset's link is only made when the
sender runs (portal/notify/outbox.py, queue_composed), never at the request."""

from __future__ import annotations

from email.message import EmailMessage

from portal.notify import delivery


def deliver_now() -> list[EmailMessage]:
    """Send everything waiting, as `flask notify send` would, and return it."""
    sent: list[EmailMessage] = []
    transmit = delivery._transmit
    delivery._transmit = sent.append
    try:
        while delivery.send_pending().sent:
            pass
    finally:
        delivery._transmit = transmit
    return sent
