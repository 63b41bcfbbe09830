"""E-mail backends for tests, including ones a Celery worker subprocess loads by name."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class FailingBackend(BaseEmailBackend):
    """Every send fails, as an SMTP server that is down would."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server refused the connection")


class GatedFileBackend(FileBackend):
    """Writes each message to a file, but first waits at a gate: it touches
    `$PORTAL_TEST_MAIL_GATE/started` and waits (bounded) until `.../open` exists, so a test
    can kill the worker in the middle of sending."""

    def send_messages(self, email_messages):
        gate = os.environ.get("PORTAL_TEST_MAIL_GATE")
        if gate:
            Path(gate, "started").touch()
            deadline = time.monotonic() + 120
            while not Path(gate, "open").exists():
                if time.monotonic() > deadline:
                    raise TimeoutError("the test never opened the mail gate")
                time.sleep(0.05)
        return super().send_messages(email_messages)
