"""The production web process for real: `collectstatic` with hashed, compressed files, then
gunicorn with portal/gunicorn.conf.py serving /healthz and a static file through WhiteNoise,
with DJANGO_DEBUG=0 behind a (simulated) TLS proxy."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.processes import GUNICORN, production_env

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("PORTAL_TEST_GUNICORN_PORT", "8440"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test looks at the redirect itself


_opener = urllib.request.build_opener(_NoRedirect)


def get(path: str, headers: dict | None = None):
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers or {})
    try:
        with _opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_default_workers_are_twice_the_cores_plus_one_capped():
    sys.path.insert(0, str(ROOT / "portal"))
    try:
        namespace = {}
        exec((ROOT / "portal" / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our file
    finally:
        sys.path.remove(str(ROOT / "portal"))
    default_workers = namespace["default_workers"]
    assert default_workers(1, 8) == 3
    assert default_workers(2, 8) == 5
    assert default_workers(16, 8) == 8
    assert namespace["max_requests"] > 0 and namespace["max_requests_jitter"] > 0


def test_collectstatic_and_gunicorn_serve_healthz_and_a_hashed_static_file(tmp_path):
    env = production_env(tmp_path, PORT)
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    css = next(name for name in manifest if name.startswith("css/") and name.endswith(".css"))
    hashed = manifest[css]
    assert hashed != css  # a content hash in the name: safe to cache for a year
    assert (tmp_path / "static" / (hashed + ".gz")).exists()  # compressed copy for WhiteNoise

    log = open(tmp_path / "gunicorn.out", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(  # noqa: S603 - our own programs and arguments
        [str(GUNICORN), "-c", "portal/gunicorn.conf.py", "portal.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        proxied = {"X-Forwarded-Proto": "https", "X-Request-ID": "req-ops-1"}
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "error.log").read_text(errors="replace")
            try:
                status, _headers, body = get("/healthz", proxied)
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200, f"gunicorn did not answer /healthz in time: {status}"
        assert json.loads(body)["database"]["ok"] is True

        status, headers, body = get(f"/static/{hashed}", {**proxied, "Accept-Encoding": "gzip"})
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert "immutable" in headers.get("Cache-Control", "")
        assert body == (tmp_path / "static" / (hashed + ".gz")).read_bytes()

        # Without the proxy's header the request is plain HTTP: production redirects to HTTPS.
        status, headers, _body = get("/healthz")
        assert status == 301 and headers["Location"].startswith("https://")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    access = (tmp_path / "access.log").read_text()
    assert '"GET /healthz HTTP/1.1" 200' in access
    assert "request_id=req-ops-1" in access
    # Without the proxy's id, the access line has the one the portal made and answered with.
    assert re.search(r'"GET /healthz HTTP/1.1" 301 .* request_id=[0-9a-f]{32}$', access, re.MULTILINE)
