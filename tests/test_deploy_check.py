"""`manage.py check --deploy --fail-level WARNING` is clean with production settings, loaded fresh
in a process of their own from the variables docs/DEPLOY.md gives (DEBUG off, a real secret key,
the public host, HTTPS behind the proxy, the signing key)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]


def _new_key(path: Path) -> Path:
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


def production_env(tmp_path, **extra) -> dict:
    key_path = _new_key(tmp_path / "signing.pem")
    checkpoint_key_path = _new_key(tmp_path / "audit-checkpoint.pem")
    (tmp_path / "static").mkdir()
    return {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "portal.regulator.example",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portal.regulator.example",
        "PORTAL_TRUST_X_FORWARDED_FOR": "1",
        "PORTAL_SITE_URL": "https://portal.regulator.example",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "PORTAL_SIGNING_KEY_PATH": str(key_path),
        "PORTAL_AUDIT_CHECKPOINT_KEY_PATH": str(checkpoint_key_path),
        "CLAMD_URL": "tcp://127.0.0.1:3310",
        "CACHE_URL": "redis://127.0.0.1:6379/1",  # read only when used: the check connects to nothing
        **extra,
    }


def run_check(env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_is_clean_with_production_settings(tmp_path):
    result = run_check(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_the_deploy_check_fails_when_production_hardening_is_switched_off(tmp_path):
    """The check above would notice: without HSTS and with a malformed scanner address it fails."""
    env = production_env(tmp_path, DJANGO_SECURE_HSTS_SECONDS="0", CLAMD_URL="clamd:3310")
    result = run_check(env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "licensing.W001" in result.stderr


def test_the_deploy_check_fails_without_an_audit_checkpoint_key(tmp_path):
    result = run_check(production_env(tmp_path, PORTAL_AUDIT_CHECKPOINT_KEY_PATH=""))
    assert result.returncode != 0
    assert "audit.E001" in result.stderr and "PORTAL_AUDIT_CHECKPOINT_KEY_PATH" in result.stderr


def test_the_deploy_check_fails_without_a_shared_cache(tmp_path):
    """Without CACHE_URL each process has its own cache: one TOTP code accepted once per process,
    lockouts counted per process."""
    env = production_env(tmp_path)
    del env["CACHE_URL"]
    result = run_check(env)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr and "LocMemCache" in result.stderr and "CACHE_URL" in result.stderr


LOG_PROBE = """
import django, logging
django.setup()
logging.getLogger("portal.probe").warning("typed by a user: %s", 'x\\n{"level": "CRITICAL"}')
"""


def run_probe(script: str, tmp_path) -> subprocess.CompletedProcess:
    """Run a few lines of Python in a process of its own with the production settings."""
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_logs_are_one_json_object_per_line(tmp_path):
    result = run_probe(LOG_PROBE, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    record = json.loads(lines[0])
    assert record["logger"] == "portal.probe" and record["level"] == "WARNING"
    assert record["message"] == 'typed by a user: x\n{"level": "CRITICAL"}'
    assert record["request_id"] == "-"


WORKER_LOG_PROBE = """
import django, logging
django.setup()
from portal.celery import app
app.log.setup_logging_subsystem(loglevel="INFO")  # what `celery worker` and `celery beat` do
logging.getLogger("celery.worker.probe").warning("task said: %s", "a\\nb")
"""


def test_production_celery_processes_keep_the_json_log_format(tmp_path):
    result = run_probe(WORKER_LOG_PROBE, tmp_path)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(r["logger"], r["message"]) for r in records] == [("celery.worker.probe", "task said: a\nb")]
