"""Sessions and sign-in in the real app (issue 11, item 3): Chromium through Playwright against
`chemo-fallback serve --demo` in a child process, and the `chemo-fallback admin` commands run
beside it, then with the app stopped. The tests run in order on one app: the last one stops it
and reads its store. See test_browser.py for the Chromium set-up."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _free_port, pytestmark

from chemo_fallback.auth import accounts
from chemo_fallback.store import Store

__all__ = ["pytestmark"]
playwright = pytest.importorskip("playwright.sync_api")
NEW_PASSWORD = "Console-Nouveau-2026!"
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NICEGUI"))}


class LiveApp:
    def __init__(self, data_dir: Path, port: int, log: Path) -> None:
        self.data_dir, self.base, self.log = data_dir, f"http://127.0.0.1:{port}", log
        self.process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    work = tmp_path_factory.mktemp("signin")
    port = _free_port()
    app = LiveApp(work / "data", port, work / "server.log")
    with app.log.open("w") as log:
        app.process = subprocess.Popen(
            [sys.executable, "-m", "chemo_fallback.cli", "serve", "--demo", "--port", str(port),
             "--data-dir", str(app.data_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=ENV,
        )
    deadline = time.monotonic() + 60
    while not (app.data_dir / "console.sock").exists() or not _answers(port):
        assert app.process.poll() is None, app.log.read_text()
        assert time.monotonic() < deadline, "the app did not start within 60 s"
        time.sleep(0.3)
    yield app
    app.stop()


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _context(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")


def _cookie(context) -> str:
    [value] = [c["value"] for c in context.cookies() if c["name"] == "session"]
    return value


def _type_sign_in(page, username: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _signed_in_with(browser, base: str, cookie: str) -> bool:
    """Does a browser holding only `cookie` get a signed-in page?"""
    context = _context(browser)
    try:
        context.add_cookies([{"name": "session", "value": cookie, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/admin/audit")
        page.get_by_role("button", name="Se connecter").wait_for(timeout=15_000)
        return page.get_by_text("Se déconnecter").count() > 0
    except playwright.TimeoutError:
        return True  # no sign-in page: signed in
    finally:
        context.close()


def _admin(live: LiveApp, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chemo_fallback.cli", "admin", *args, "--data-dir",
         str(live.data_dir)],
        input=stdin, capture_output=True, text=True, env=ENV, timeout=60,
    )


def test_a_cookie_planted_before_sign_in_is_not_signed_in(live, browser) -> None:
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live.base}/login")
    planted = _cookie(context)  # what an attacker would have set in this browser
    _type_sign_in(page, "pharmacien", "Demo-Pharma-2026!")
    page.get_by_text("Se déconnecter").wait_for(timeout=15_000)
    assert page.url == f"{live.base}/validation"  # the pharmacist's home (login_page.ROLE_HOME)
    assert _cookie(context) != planted
    assert not _signed_in_with(browser, live.base, planted)
    assert _signed_in_with(browser, live.base, _cookie(context))  # the new one is
    context.close()


def test_after_sign_out_the_previous_cookie_is_not_signed_in(live, browser) -> None:
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live.base}/login")
    _type_sign_in(page, "medecin", "Demo-Medecin-2026!")
    page.get_by_text("Se déconnecter").wait_for(timeout=15_000)
    signed = _cookie(context)
    page.get_by_text("Se déconnecter").click()
    page.get_by_role("button", name="Se connecter").wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert _cookie(context) != signed
    assert not _signed_in_with(browser, live.base, signed)
    context.close()


def test_a_double_click_on_sign_in_signs_in_once(live, browser) -> None:
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live.base}/login")
    page.get_by_label("Identifiant").fill("preparateur")
    page.get_by_label("Mot de passe").fill("Demo-Prepa-2026!")
    page.get_by_role("button", name="Se connecter").dblclick()
    page.get_by_text("Se déconnecter").wait_for(timeout=15_000)
    page.wait_for_timeout(1000)
    context.close()
    # counted at the end, in the store (test_the_same_commands_with_the_app_stopped)


def test_a_delay_not_a_lock_and_the_console_ends_it(live, browser) -> None:
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live.base}/login")
    error = page.locator("[class*=text-red-700]").last
    for _ in range(3):
        _type_sign_in(page, "infirmier", "pas le bon")
        page.wait_for_timeout(700)
    _type_sign_in(page, "infirmier", "Demo-Infirmier-2026!")
    page.get_by_text("Trop d'essais : réessayez dans").wait_for(timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "i11-signin-delay.png"))
    assert "Identifiant ou mot de passe incorrect" not in error.inner_text()
    done = _admin(live, "unlock", "infirmier")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Application en cours d'exécution : Compte « infirmier » ")
    _type_sign_in(page, "infirmier", "Demo-Infirmier-2026!")  # at once: the delay is gone
    page.get_by_text("Se déconnecter").wait_for(timeout=15_000)
    context.close()


def test_reset_password_through_the_running_app(live, browser) -> None:
    weak = _admin(live, "reset-password", "admin", "--password-stdin", stdin="faible\n")
    assert weak.returncode == 1 and "Mot de passe trop faible" in weak.stderr
    done = _admin(live, "reset-password", "admin", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "Mot de passe du compte « admin » réinitialisé" in done.stdout
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live.base}/login")
    _type_sign_in(page, "admin", "Demo-Admin-2026!")
    page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=15_000)
    _type_sign_in(page, "admin", NEW_PASSWORD)
    page.get_by_text("Se déconnecter").wait_for(timeout=15_000)
    context.close()


def test_the_console_socket_is_private_and_refuses_garbage(live) -> None:
    path = live.data_dir / "console.sock"
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(live.data_dir.stat().st_mode) == 0o700
    for garbage in (
        b"pas du json\n",
        b"\xff\xfe\n",
        b"[1, 2]\n",
        b'{"command": "drop-table", "username": "admin"}\n',
        b'{"command": "unlock"}\n',
        b'{"command": "reset-password", "username": "admin", "password": 12}\n',
        b"x" * 10_000 + b"\n",
        b'{"command": "unlock", "username": "admin"}',  # no end of line: not a whole request
    ):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(20)
            sock.connect(str(path))
            sock.sendall(garbage)
            sock.shutdown(socket.SHUT_WR)
            reply = json.loads(sock.makefile("rb").readline())
        assert reply["ok"] is False, garbage
        assert reply["message"].startswith("Requête refusée"), reply
    assert _answers(int(live.base.rsplit(":", 1)[1]))  # the app is still up


def test_the_same_commands_with_the_app_stopped(live) -> None:
    live.stop()
    assert not (live.data_dir / "console.sock").exists()  # removed at shutdown
    done = _admin(live, "unlock", "pharmacien")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Compte « pharmacien » déverrouillé")
    again = "Encore-Nouveau-2026!"
    done = _admin(live, "reset-password", "admin", "--password-stdin", stdin=again + "\n")
    assert done.returncode == 0, done.stderr
    store = Store.open(live.data_dir)
    try:
        cur = store.cursor()
        logins = cur.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND actor = 'preparateur'"
        ).fetchone()[0]
        assert logins == 1  # the double click signed in once
        actors = cur.execute(
            "SELECT action, actor FROM audit_log WHERE action IN ('user.unlocked', "
            "'user.password_reset') ORDER BY audit_id"
        ).fetchall()
        assert [a for a, _ in actors] == [
            "user.unlocked", "user.password_reset", "user.unlocked", "user.password_reset"
        ]
        assert all(actor.startswith("cli:") for _, actor in actors)
        assert store.audit_check.ok and store.rows_check.ok
        assert accounts.authenticate(store, "admin", again).username == "admin"
    finally:
        store.close()
