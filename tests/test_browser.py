"""Real-browser tests: the app started as `make run` starts it (demo mode), driven by Debian's
Chromium through Playwright. The server runs in a child process whose outbound connections
are recorded and refused, and the browser records every request: nothing may leave loopback.
Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import csv
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Runs the real command line with every non-loopback connection logged and refused.
GUARDED_SERVER = """
import ipaddress, socket, sys
log = sys.argv[1]

def allowed(address):
    if not isinstance(address, tuple):
        return True  # a Unix socket
    try:
        return ipaddress.ip_address(address[0]).is_loopback
    except ValueError:
        return address[0] == "localhost"

def guard(original):
    def connect(self, address):
        if not allowed(address):
            with open(log, "a") as fh:
                fh.write(repr(address) + "\\n")
            raise OSError("connexion sortante refusée par le test")
        return original(self, address)
    return connect

socket.socket.connect = guard(socket.socket.connect)
socket.socket.connect_ex = guard(socket.socket.connect_ex)
from chemo_fallback.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    work = tmp_path_factory.mktemp("live")
    outbound = work / "outbound.log"
    outbound.touch()
    port = _free_port()
    # Without pytest's variables, or NiceGUI's ui.run believes it runs inside a test.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NICEGUI"))}
    server_log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            GUARDED_SERVER,
            str(outbound),
            "serve",
            "--demo",
            "--port",
            str(port),
            "--data-dir",
            str(work / "data"),
        ],
        stdout=server_log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"the server stopped: {(work / 'server.log').read_text()}")
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("the server did not start within 60 s")
    yield base, outbound
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    server_log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    opened = context.new_page()
    opened.requested = []
    opened.on("request", lambda request: opened.requested.append(request.url))
    yield opened
    context.close()


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Se déconnecter").wait_for(timeout=15_000)


def first_demo_patient() -> dict:
    with (ROOT / "snapshots" / "demo" / "patients.csv").open(encoding="utf-8") as fh:
        return next(csv.DictReader(fh))


def _off_loopback(urls: list[str]) -> list[str]:
    bad = []
    for url in urls:
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host in ("localhost", None):
            continue
        try:
            if not ipaddress.ip_address(host).is_loopback:
                bad.append(url)
        except ValueError:
            bad.append(url)
    return bad


def test_pharmacist_searches_a_patient_and_opens_the_record(live_app, page) -> None:
    base, _ = live_app
    patient = first_demo_patient()
    sign_in(page, base, "pharmacien", "Demo-Pharma-2026!")
    page.get_by_text("Paul Garnier — pharmacien").wait_for()
    page.goto(f"{base}/")  # the pharmacist lands on the validation: the snapshot page is "/"
    page.get_by_text("Instantané activé sans rejet.").first.wait_for()
    assert page.get_by_text("DÉMO — données fictives").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pharmacist-snapshot.png"), full_page=True)

    page.get_by_role("button", name="Patients").click()
    page.get_by_label("IPP, nom, prénom ou date de naissance").fill(patient["last_name"].lower())
    page.keyboard.press("Enter")
    row = page.get_by_role("row").filter(has_text=patient["patient_id"])
    row.wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "pharmacist-search.png"), full_page=True)
    row.click()
    page.wait_for_url(f"**/patients/{patient['patient_id']}")
    page.get_by_text(f"IPP : {patient['patient_id']}").wait_for(timeout=15_000)
    assert page.get_by_text(patient["last_name"].upper()).first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "pharmacist-patient.png"), full_page=True)


def test_after_sign_in_the_user_lands_where_they_were_going(live_app, page) -> None:
    # NiceGUI's in-process `user` simulation does not follow a navigation made while a page is
    # built, so this redirect is tested here, in a real browser.
    base, _ = live_app
    page.goto(f"{base}/admin/audit?origine=lien")
    page.wait_for_url("**/login?suivant=*")
    page.get_by_label("Identifiant").fill("admin")
    page.get_by_label("Mot de passe").fill("Demo-Admin-2026!")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Piste d'audit intègre").wait_for(timeout=15_000)
    assert page.url == f"{base}/admin/audit?origine=lien"


def test_every_page_loads_without_leaving_loopback(live_app, page) -> None:
    base, outbound = live_app
    sign_in(page, base, "admin", "Demo-Admin-2026!")
    from chemo_fallback.web.frame import MENU

    patient = first_demo_patient()["patient_id"]
    paths = ["/login", *[path for path, *_ in MENU], f"/patients/{patient}", "/patients?q=a"]
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.ok, path
        page.wait_for_load_state("networkidle")
    assert page.requested, "the browser made no request at all"
    assert _off_loopback(page.requested) == []
    assert outbound.read_text() == ""


def test_serves_https_with_the_given_certificate(tmp_path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NICEGUI"))}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chemo_fallback.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"https://127.0.0.1:{port}/login", verify=False, timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.3)
        assert response.status_code == 200
        assert "Connexion" in response.text
        # under TLS: HSTS, and the session cookie is Secure, HttpOnly, SameSite strict
        assert response.headers["strict-transport-security"].startswith("max-age=")
        cookie = response.headers.get("set-cookie", "").lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_every_response_carries_the_security_headers(live_app, page) -> None:
    base, _ = live_app
    response = page.goto(f"{base}/login")
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in headers  # plain HTTP on the loopback
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    # the app still works under its policy: sign in and open a page
    sign_in(page, base, "pharmacien", "Demo-Pharma-2026!")
    page.goto(f"{base}/patients")
    page.wait_for_load_state("networkidle")
    assert errors == []
