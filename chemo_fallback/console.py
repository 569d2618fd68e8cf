"""The server's console channel: `chemo-fallback admin unlock` and `admin reset-password` while
the app runs.

The running app holds the store's file lock, so the command line cannot open the store then.
Instead the app listens on a Unix socket, `<data dir>/console.sock`: the socket is 0600 in a
0700 data directory (only the app's system account reaches it) and the peer's user id is
checked again (SO_PEERCRED: the app's own or root); the peer's system name is the actor of the
audit record, `cli:<name>`. One JSON line asks, one JSON line answers:

    {"command": "unlock" | "reset-password", "username": "…", "password": "…"}
    {"ok": true | false, "message": "…"}   (French)

The command line tries the socket first and, when no app answers, opens the store itself; both
ways run `run_command`, so the checks, the audit and the messages are the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import socket
import socketserver
import stat
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.store import Store

SOCKET_NAME = "console.sock"
MAX_LINE_BYTES = 4096
TIMEOUT_SECONDS = 10
COMMANDS = ("unlock", "reset-password")
SUN_PATH_MAX = 100  # a Unix socket's path is at most 107 bytes


def socket_path(data_dir: Path) -> Path:
    return data_dir / SOCKET_NAME


def actor_for(name: str) -> audit.Actor:
    return audit.Actor(f"cli:{name}", "admin", f"ligne de commande ({name})")


def run_command(
    store: Store, actor: audit.Actor, command: str, username: str, password: str | None
) -> str:
    """Do one console command; returns the French message, raises ChemoFallbackError."""
    if command == "unlock":
        accounts.unlock(store, actor, username)
        return (
            f"Compte « {username} » déverrouillé : le délai d'attente après des mots de passe "
            "erronés est effacé."
        )
    if command == "reset-password":
        accounts.reset_password(store, actor, username, password or "")
        return (
            f"Mot de passe du compte « {username} » réinitialisé ; le délai d'attente éventuel "
            "est effacé."
        )
    raise ChemoFallbackError(
        f"Commande inconnue « {command} » : {' ou '.join(COMMANDS)} seulement."
    )


@contextlib.contextmanager
def _reachable(path: Path) -> Iterator[str]:
    """The path to bind or connect to: itself, or through /proc when it is too long for a
    Unix socket (a deep data directory)."""
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        yield str(path)
        return
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{folder}/{path.name}"
    finally:
        os.close(folder)


# The server side, in the app.


def _peer(sock: socket.socket) -> tuple[int, str]:
    """The connecting process's user id and system name."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = f"uid{uid}"
    return uid, name


def answer(store: Store, line: bytes, peer_name: str) -> dict:
    """The reply to one request line; never raises."""
    if len(line) > MAX_LINE_BYTES or not line.endswith(b"\n"):
        return _refused("Requête refusée : une seule ligne JSON de moins de 4 Kio est attendue.")
    try:
        request = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _refused("Requête refusée : ce n'est pas une ligne JSON en UTF-8.")
    if not isinstance(request, dict):
        return _refused("Requête refusée : un objet JSON est attendu.")
    command, username = request.get("command"), request.get("username")
    password = request.get("password")
    if command not in COMMANDS:
        return _refused(f"Requête refusée : « command » vaut {' ou '.join(COMMANDS)}.")
    if not isinstance(username, str) or not username.strip():
        return _refused("Requête refusée : « username » (l'identifiant du compte) manque.")
    if password is not None and not isinstance(password, str):
        return _refused("Requête refusée : « password » doit être un texte.")
    try:
        message = run_command(store, actor_for(peer_name), command, username, password)
    except ChemoFallbackError as exc:
        return _refused(str(exc))
    except Exception as exc:  # an unexpected error answers too: the console never hangs
        return _refused(f"Erreur inattendue de l'application : {type(exc).__name__}.")
    return {"ok": True, "message": message}


def _refused(message: str) -> dict:
    return {"ok": False, "message": message}


class _Handler(socketserver.StreamRequestHandler):
    timeout = TIMEOUT_SECONDS

    def handle(self) -> None:
        console: ConsoleServer = self.server.console  # type: ignore[attr-defined]
        uid, name = _peer(self.connection)
        try:
            line = self.rfile.readline(MAX_LINE_BYTES + 1)
        except OSError:  # too slow: the timeout
            return
        if uid not in (os.getuid(), 0):
            reply = _refused(
                f"Refusé : le compte système « {name} » n'est ni celui de l'application ni root."
            )
        else:
            reply = answer(console.store, line, name)
        with contextlib.suppress(OSError):
            self.wfile.write(json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n")


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class ConsoleServer:
    """Listens on the data directory's console socket while the app runs."""

    def __init__(self, store: Store, data_dir: Path) -> None:
        self.store = store
        self.path = socket_path(data_dir)
        self._server: _Server | None = None

    def start(self) -> None:
        self._remove_stale()
        with _reachable(self.path) as address:
            server = _Server(address, _Handler)
        os.chmod(self.path, 0o600)  # the data directory (0700) already keeps others out
        server.console = self  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, name="console", daemon=True).start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _remove_stale(self) -> None:
        """A socket left by an app that was killed (the store's lock proves no other app runs
        on this data directory); anything else at that path is an error."""
        try:
            mode = self.path.lstat().st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(mode):
            raise ChemoFallbackError(
                f"{self.path} existe et n'est pas le canal de la console : déplacez ce fichier."
            )
        self.path.unlink()


# The client side, in the command line.


def ask(data_dir: Path, request: dict) -> dict | None:
    """The running app's reply, or None when no app listens on this data directory."""
    path = socket_path(data_dir)
    private = ChemoFallbackError(
        f"Le canal de l'application ({path}) est réservé à son compte système : lancez la "
        "commande sous ce compte (ou root)."
    )
    try:
        if not path.exists():
            return None
    except PermissionError as exc:  # the data directory is not ours
        raise private from exc
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT_SECONDS * 3)  # a password hash takes a moment
        try:
            with _reachable(path) as address:
                sock.connect(address)
        except (ConnectionRefusedError, FileNotFoundError):
            return None  # a socket left by an app that stopped
        except PermissionError as exc:
            raise private from exc
        try:
            with contextlib.suppress(BrokenPipeError):  # refused before it read: reply anyway
                sock.sendall(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
            reply = sock.makefile("rb").readline(MAX_LINE_BYTES * 4)
        except OSError as exc:
            raise ChemoFallbackError(
                f"L'application n'a pas répondu sur son canal ({path}) : {exc}."
            ) from exc
    try:
        answered = json.loads(reply.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ChemoFallbackError(
            f"Réponse illisible de l'application sur son canal ({path})."
        ) from exc
    if not isinstance(answered, dict) or "ok" not in answered:
        raise ChemoFallbackError(f"Réponse illisible de l'application sur son canal ({path}).")
    return answered
