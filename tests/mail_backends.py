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


class ConnectionKillingFileBackend(FileBackend):
    """Writes each message to a file, then, once per marker file, has PostgreSQL terminate the
    sending worker's database connection (pg_terminate_backend from a second connection): the
    mail server has the message, and recording it as sent fails, as when the database drops
    connections. The marker is `$PORTAL_TEST_KILL_DB_MARKER`."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        marker = Path(os.environ["PORTAL_TEST_KILL_DB_MARKER"])
        if not marker.exists():
            marker.touch()
            import psycopg
            from django.db import connection

            pid = connection.connection.info.backend_pid
            db = connection.settings_dict
            with psycopg.connect(
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
                user=db["USER"],
                password=db["PASSWORD"] or None,
                dbname=db["NAME"],
                autocommit=True,
            ) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        return sent


class StatusSpyBackend(BaseEmailBackend):
    """Records, for each message, the outbox row's e-mail status at the moment the mail server
    is called (read on the sender's connection), in `StatusSpyBackend.seen`."""

    seen: list = []

    def send_messages(self, email_messages):
        from portal.notifications.models import Notification

        for message in email_messages:
            pk = int(message.extra_headers["Message-ID"].split("-")[1].split("@")[0])
            row = Notification.objects.values("email_status", "email_sending_at").get(pk=pk)
            StatusSpyBackend.seen.append((row["email_status"], row["email_sending_at"] is not None))
        return len(email_messages)
