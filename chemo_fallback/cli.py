"""Command line: `chemo-fallback serve`, `chemo-fallback snapshot activate|generate`,
`chemo-fallback admin create-user|unlock|reset-password`, `chemo-fallback audit verify`,
`chemo-fallback export`, `chemo-fallback simulate`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from chemo_fallback.config import DEMO_SNAPSHOT, PROJECT_ROOT, SNAPSHOTS_DIR, resolve_data_dir
from chemo_fallback.errors import ChemoFallbackError


def say(text: str) -> None:
    """Print a line; when the output has gone away (`… | head -1`, a closed terminal), stop
    printing and carry on: output going away never changes the outcome of a command (an
    activation half done because a progress line could not be written)."""
    try:
        print(text, flush=True)
    except (BrokenPipeError, ValueError, OSError):
        # stdout now writes to nothing, so Python's own flush at exit raises no error either
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def _print_progress(started: float):
    def show(message: str) -> None:
        say(f"[{time.monotonic() - started:7.1f} s] {message}")

    return show


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="dossier des données (défaut : $CHEMO_FALLBACK_DATA_DIR, sinon "
        "~/.local/share/chemo-fallback)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chemo-fallback",
        description="Logiciel de secours de l'unité de préparation des chimiothérapies.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="démarrer l'application web")
    _data_dir_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--tls-cert", type=Path, help="certificat TLS (PEM) pour servir en HTTPS")
    serve.add_argument("--tls-key", type=Path, help="clé privée TLS (PEM) du certificat")
    serve.add_argument(
        "--snapshots-dir",
        type=Path,
        default=SNAPSHOTS_DIR,
        help="dossier où sont déposés les exports à activer (défaut : snapshots/)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="mode démonstration : instantané de démonstration recalé à aujourd'hui",
    )

    snapshot = commands.add_parser("snapshot", help="instantanés de la base de production")
    snap = snapshot.add_subparsers(dest="snapshot_command", required=True)

    activate = snap.add_parser("activate", help="vérifier et activer un instantané")
    _data_dir_option(activate)
    activate.add_argument("path", type=Path, help="dossier de l'instantané ou archive .zip")
    activate.add_argument("--mapping", type=Path, help="fichier de correspondance (TOML)")
    activate.add_argument("--max-file-mb", type=int, help="taille maximale d'un fichier (Mo)")
    activate.add_argument(
        "--max-reject-percent",
        type=float,
        help="part de lignes rejetées au-delà de laquelle une table est refusée (défaut 1 %%)",
    )
    activate.add_argument(
        "--reanchor-today",
        action="store_true",
        help="instantané de démonstration : décaler les dates pour que l'export date d'aujourd'hui",
    )

    generate = snap.add_parser("generate", help="générer un instantané synthétique")
    generate.add_argument("--out", type=Path, required=True, help="dossier à écrire")
    generate.add_argument("--patients", type=int, required=True)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument(
        "--dialect",
        choices=("csv", "csv-fr", "parquet", "xlsx"),
        default="csv",
        help="csv (UTF-8, ','), csv-fr (Windows-1252, ';', virgule décimale), parquet, xlsx",
    )
    generate.add_argument(
        "--exported-at",
        type=datetime.fromisoformat,
        help="date d'export (ISO) ; défaut : date fixe, pour un résultat reproductible",
    )
    admin = commands.add_parser("admin", help="administration des comptes")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser("create-user", help="créer un compte (le premier admin)")
    _data_dir_option(create)
    create.add_argument("--username", required=True, help="identifiant de connexion")
    create.add_argument("--name", required=True, help="prénom et nom affichés")
    create.add_argument(
        "--role",
        default="admin",
        choices=("admin", "prescriber", "pharmacist", "preparer", "nurse", "buyer"),
    )
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="lire le mot de passe sur l'entrée standard (sinon demandé deux fois)",
    )
    unlock = admin_commands.add_parser(
        "unlock",
        help="effacer le délai d'attente (et un verrouillage) d'un compte, application lancée "
        "ou non",
    )
    _data_dir_option(unlock)
    unlock.add_argument("username", help="identifiant du compte")
    reset = admin_commands.add_parser(
        "reset-password",
        help="donner un nouveau mot de passe à un compte, application lancée ou non",
    )
    _data_dir_option(reset)
    reset.add_argument("username", help="identifiant du compte")
    reset.add_argument(
        "--password-stdin",
        action="store_true",
        help="lire le nouveau mot de passe sur l'entrée standard (sinon demandé deux fois)",
    )

    audit_parser = commands.add_parser("audit", help="piste d'audit")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="vérifier la piste d'audit, son ancre et les tables"
    )
    _data_dir_option(verify)
    _export_parser(commands)
    _simulate_parser(commands)
    return parser


def _simulate_parser(commands) -> None:
    simulate = commands.add_parser(
        "simulate", help="exercice : jouer N jours d'activité fictive (dossier vide ou de démo)"
    )
    _data_dir_option(simulate)
    simulate.add_argument("--days", type=int, required=True, help="nombre de jours à jouer")
    simulate.add_argument("--seed", type=int, default=1, help="graine (même graine, même jeu)")
    simulate.add_argument(
        "--snapshot", type=Path,
        help="instantané de démonstration ou généré à activer (défaut : celui de démonstration)",
    )
    simulate.add_argument(
        "--max-cycles-per-day", type=int, default=None,
        help="au plus N cycles prescrits par jour (exercice allégé sur un gros instantané)",
    )


def cmd_simulate(args: argparse.Namespace) -> int:
    from chemo_fallback.drill.simulate import run
    from chemo_fallback.drill.summary import day_line, refusal_lines
    from chemo_fallback.store import Store

    def show(report) -> None:
        say(day_line(report))
        for line in refusal_lines(report):
            say(line)

    started = time.monotonic()
    store = Store.open(resolve_data_dir(args.data_dir))
    try:
        run(store, args.days, args.seed, snapshot=args.snapshot,
            max_cycles_per_day=args.max_cycles_per_day,
            progress=_print_progress(started), on_day=show)
    finally:
        store.close()
    say(f"Exercice terminé en {time.monotonic() - started:.1f} s.")
    return cmd_audit_verify(args)


def _export_parser(commands) -> None:
    export = commands.add_parser(
        "export", help="écrire le paquet de réintégration (CSV, FHIR, rapprochement)"
    )
    _data_dir_option(export)
    export.add_argument("--out", type=Path, required=True, help="dossier à créer (vide)")
    period = export.add_mutually_exclusive_group()
    period.add_argument(
        "--since", type=_moment,
        help="ce qui a été créé ou modifié après ce moment (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)",
    )
    period.add_argument(
        "--since-last", action="store_true", help="ce qui a changé depuis l'export précédent"
    )
    export.add_argument("--encoding", choices=("utf-8", "windows-1252"), default="utf-8")
    export.add_argument("--separator", choices=(",", ";"), default=",")


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"moment illisible « {text} » : écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM"
        ) from None


def cmd_export(args: argparse.Namespace) -> int:
    from chemo_fallback.audit import command_line_actor
    from chemo_fallback.reintegration.service import export_package
    from chemo_fallback.store import Store

    store = Store.open(resolve_data_dir(args.data_dir))
    try:
        result = export_package(
            store, command_line_actor(), args.out, since=args.since,
            since_last=args.since_last, encoding=args.encoding, separator=args.separator,
        )
    finally:
        store.close()
    say(result.summary())
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from chemo_fallback.store import Store

    store = Store.open(resolve_data_dir(args.data_dir))
    try:
        check, anchor, anchor_file = store.audit_check, store.anchor_check, store.anchor_file
        rows = store.rows_check
    finally:
        store.close()
    say(check.message())
    if anchor.anchored:
        say(f"{anchor.message()} (ancre : {anchor_file})")
    else:
        say(f"Ancre de la piste d'audit : aucune encore ({anchor_file}).")
    say(rows.message())
    return 0 if check.ok and anchor.ok and rows.ok else 3


def cmd_create_user(args: argparse.Namespace) -> int:
    from chemo_fallback.audit import command_line_actor
    from chemo_fallback.auth.accounts import create_user
    from chemo_fallback.store import Store

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmez le mot de passe : ") != password:
            print("Erreur : les deux saisies diffèrent.", file=sys.stderr)
            return 1
    store = Store.open(resolve_data_dir(args.data_dir))
    try:
        user = create_user(
            store, command_line_actor(), args.username, args.name, args.role, password
        )
    finally:
        store.close()
    say(f"Compte « {user.username} » créé ({user.role_label}).")
    return 0


def cmd_admin_account(args: argparse.Namespace) -> int:
    """`admin unlock` and `admin reset-password`: through the running app's console socket
    when it runs (it holds the store), else on the store directly."""
    from chemo_fallback import console
    from chemo_fallback.audit import command_line_actor
    from chemo_fallback.store import Store

    request = {"command": args.admin_command, "username": args.username}
    if args.admin_command == "reset-password":
        password = _new_password(args.password_stdin)
        if password is None:
            return 1
        request["password"] = password
    data_dir = resolve_data_dir(args.data_dir)
    reply = console.ask(data_dir, request)
    if reply is not None:
        if not reply["ok"]:
            print(f"Erreur : {reply['message']}", file=sys.stderr)
            return 1
        say(f"Application en cours d'exécution : {reply['message']}")
        return 0
    store = Store.open(data_dir)
    try:
        message = console.run_command(
            store, command_line_actor(), args.admin_command, args.username, request.get("password")
        )
    finally:
        store.close()
    say(message)
    return 0


def _new_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Nouveau mot de passe : ")
    if getpass.getpass("Confirmez le mot de passe : ") != password:
        print("Erreur : les deux saisies diffèrent.", file=sys.stderr)
        return None
    return password


def cmd_activate(args: argparse.Namespace) -> int:
    from chemo_fallback.snapshot.activation import activate_snapshot
    from chemo_fallback.snapshot.source import Limits
    from chemo_fallback.store import Store

    limits = Limits()
    if args.max_file_mb is not None:
        limits = replace(limits, max_file_bytes=args.max_file_mb * 1024**2)
    if args.max_reject_percent is not None:
        limits = replace(limits, max_reject_ratio=args.max_reject_percent / 100)
    store = Store.open(resolve_data_dir(args.data_dir))
    try:
        report = activate_snapshot(
            store,
            args.path,
            mapping_path=args.mapping,
            limits=limits,
            reanchor_to=date.today() if args.reanchor_today else None,
            progress=_print_progress(time.monotonic()),
        )
    finally:
        store.close()
    say(report.to_text())
    return 0 if report.status == "activated" else 2


def cmd_generate(args: argparse.Namespace) -> int:
    from chemo_fallback.snapshot.generator import generate_snapshot

    started = time.monotonic()
    manifest = generate_snapshot(
        args.out,
        args.patients,
        args.seed,
        exported_at=args.exported_at,
        dialect=args.dialect,
        progress=_print_progress(started),
    )
    rows = sum(t.rows for t in manifest.tables.values())
    say(f"Instantané écrit dans {args.out} : {len(manifest.tables)} tables, {rows} lignes.")
    return 0


def _tls_files(cert: Path | None, key: Path | None) -> tuple[Path, Path] | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ChemoFallbackError("Indiquez à la fois --tls-cert et --tls-key pour servir en HTTPS.")
    for path in (cert, key):
        if not path.is_file():
            raise ChemoFallbackError(f"Fichier TLS introuvable : {path}.")
    return cert, key


def cmd_serve(args: argparse.Namespace) -> int:
    from chemo_fallback.web.server import serve

    data_dir = (
        resolve_data_dir(args.data_dir)
        if args.data_dir or not args.demo
        else PROJECT_ROOT / "data" / "demo"
    )
    serve(
        data_dir,
        host=args.host,
        port=args.port,
        demo=args.demo,
        demo_snapshot=DEMO_SNAPSHOT,
        snapshots_dir=args.snapshots_dir,
        tls=_tls_files(args.tls_cert, args.tls_key),
        progress=_print_progress(time.monotonic()),
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "serve": lambda: cmd_serve,
        "snapshot": lambda: {"activate": cmd_activate, "generate": cmd_generate}[
            args.snapshot_command
        ],
        "audit": lambda: {"verify": cmd_audit_verify}[args.audit_command],
        "export": lambda: cmd_export,
        "simulate": lambda: cmd_simulate,
        "admin": lambda: {
            "create-user": cmd_create_user,
            "unlock": cmd_admin_account,
            "reset-password": cmd_admin_account,
        }[args.admin_command],
    }[args.command]()
    try:
        return handler(args)
    except ChemoFallbackError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
