"""The console channel (issue 11, item 3): `chemo-fallback admin unlock|reset-password` reach a
running app through `<data dir>/console.sock`, or the store directly when no app runs. Here
in-process; against the real app in tests/test_i11_signin_browser.py."""

from __future__ import annotations

import io
import json
import socket
import stat
from datetime import datetime, timedelta

import pytest
from web_helpers import PASSWORD, create_account

from chemo_fallback import console
from chemo_fallback.auth import accounts, throttle
from chemo_fallback.cli import main
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.store import Store

NEW = "Console-Nouveau-2026!"


def _delayed(store, username: str) -> None:
    for _ in range(3):
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(store, username, "mauvais")
    with pytest.raises(accounts.AuthError, match="Trop d'essais"):
        accounts.authenticate(store, username, PASSWORD)


@pytest.fixture
def running(store):
    """The console of an app running on `store`."""
    server = console.ConsoleServer(store, store.data_dir)
    server.start()
    yield server
    server.stop()


def _line(request) -> bytes:
    return json.dumps(request).encode() + b"\n"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (b"pas du json\n", "pas une ligne JSON"),
        (b"\xff\n", "pas une ligne JSON"),
        (b'"unlock"\n', "un objet JSON est attendu"),
        (b'{"command": "sql", "username": "admin"}\n', "« command » vaut unlock ou reset"),
        (b'{"command": "unlock", "username": " "}\n', "« username »"),
        (b'{"command": "reset-password", "username": "a", "password": []}\n', "« password »"),
        (b"{}" + b" " * 5000 + b"\n", "moins de 4 Kio"),
        (b'{"command": "unlock", "username": "admin"}', "une seule ligne JSON"),
        (b"", "une seule ligne JSON"),
    ],
)
def test_a_malformed_request_is_refused(store, line: bytes, says: str) -> None:
    reply = console.answer(store, line, "root")
    assert reply["ok"] is False
    assert says in reply["message"]


def test_unlock_and_reset_through_the_socket_are_audited_as_the_peer(store, running) -> None:
    create_account(store, "admin")
    _delayed(store, "admin")
    reply = console.ask(store.data_dir, {"command": "unlock", "username": "admin"})
    assert reply == {
        "ok": True,
        "message": "Compte « admin » déverrouillé : le délai d'attente après des mots de passe "
        "erronés est effacé.",
    }
    assert accounts.authenticate(store, "admin", PASSWORD)
    reply = console.ask(
        store.data_dir, {"command": "reset-password", "username": "admin", "password": NEW}
    )
    assert reply["ok"], reply
    assert accounts.authenticate(store, "admin", NEW)
    actors = store.cursor().execute(
        "SELECT actor, role FROM audit_log WHERE action IN ('user.unlocked', "
        "'user.password_reset')"
    ).fetchall()
    peer = console._peer  # the test's own system account is the peer
    a, b = socket.socketpair()
    with a, b:
        name = peer(a)[1]
    assert actors == [(f"cli:{name}", "admin")] * 2


def test_the_socket_answers_a_refusal_in_french(store, running) -> None:
    create_account(store, "admin")
    reply = console.ask(
        store.data_dir, {"command": "reset-password", "username": "admin", "password": "court"}
    )
    assert reply["ok"] is False and reply["message"].startswith("Mot de passe trop faible")
    reply = console.ask(store.data_dir, {"command": "unlock", "username": "personne"})
    assert reply == {"ok": False, "message": "Compte « personne » introuvable."}


def test_another_system_account_is_refused(store, running, monkeypatch) -> None:
    create_account(store, "admin")
    _delayed(store, "admin")
    monkeypatch.setattr(console, "_peer", lambda sock: (12345, "intrus"))
    reply = console.ask(store.data_dir, {"command": "unlock", "username": "admin"})
    assert reply["ok"] is False and "« intrus »" in reply["message"]
    assert throttle.account_streaks(store.cursor())  # still delayed


def test_the_socket_is_private(store, running) -> None:
    mode = running.path.stat().st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600


def test_a_socket_left_by_a_killed_app_is_replaced(store) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(console.socket_path(store.data_dir)))
    stale.close()  # the file stays, nobody listens
    assert console.ask(store.data_dir, {"command": "unlock", "username": "x"}) is None
    server = console.ConsoleServer(store, store.data_dir)
    server.start()
    try:
        assert console.ask(store.data_dir, {"command": "unlock", "username": "x"}) is not None
    finally:
        server.stop()
    assert not console.socket_path(store.data_dir).exists()


def test_something_else_at_the_socket_path_stops_the_start(store) -> None:
    console.socket_path(store.data_dir).write_text("pas un canal")
    with pytest.raises(ChemoFallbackError, match="n'est pas le canal de la console"):
        console.ConsoleServer(store, store.data_dir).start()


def test_a_deep_data_directory_still_gets_its_socket(tmp_path) -> None:
    deep = tmp_path / ("dossier-de-donnees-" * 6) / "data"
    assert len(str(deep / console.SOCKET_NAME)) > 108
    store = Store.open(deep)
    server = console.ConsoleServer(store, deep)
    try:
        server.start()
        create_account(store, "admin")
        assert console.ask(deep, {"command": "unlock", "username": "admin"})["ok"]
    finally:
        server.stop()
        store.close()


def test_the_commands_open_the_store_when_no_app_runs(tmp_path, monkeypatch, capsys) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    create_account(store, "admin")
    now = datetime.now()
    for seconds in (0, 1, 2):
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(store, "admin", "mauvais", now + timedelta(seconds=seconds))
    store.close()
    assert main(["admin", "unlock", "admin", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.startswith("Compte « admin » déverrouillé")
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW + "\n"))
    args = ["admin", "reset-password", "admin", "--password-stdin", "--data-dir", str(data)]
    assert main(args) == 0
    assert "réinitialisé" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert main(args) == 1
    assert "Mot de passe trop faible" in capsys.readouterr().err
    assert main(["admin", "unlock", "personne", "--data-dir", str(data)]) == 1
    assert "introuvable" in capsys.readouterr().err
    store = Store.open(data)
    try:
        assert accounts.authenticate(store, "admin", NEW)
        assert store.audit_check.ok and store.rows_check.ok
    finally:
        store.close()


def test_reset_password_asks_twice_without_stdin(tmp_path, monkeypatch, capsys) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    create_account(store, "admin")
    store.close()
    typed = iter([NEW, "autre chose"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    assert main(["admin", "reset-password", "admin", "--data-dir", str(data)]) == 1
    assert "les deux saisies diffèrent" in capsys.readouterr().err
