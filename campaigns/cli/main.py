"""`chaine`: the command line of chaîne, in French (docs/cli.md).

Every command has a French name; the English names of earlier versions stay as hidden aliases so that scripts keep
working. This module is only the map of commands: each command lives with its area (operations, processes,
partners, accounts, protection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from campaigns.cli import accounts, common, doctor, linkage, operations, partners, processes, protection

app = typer.Typer(help="chaîne : coordination de la chaîne des courriers de prévention des expulsions.",
                  no_args_is_help=True)
app.callback()(common.check_settings)  # a bad CHAINE_* variable stops every command before it starts


def _group(name: str, alias: str | None, help_text: str,
           commands: list[tuple[str, str | None, Callable[..., Any]]]) -> None:
    """A group of commands (`chaine partenaires ajouter`), registered under its French name and its old alias."""
    group = typer.Typer(help=help_text, no_args_is_help=True)
    for command, old, function in commands:
        group.command(command)(function)
        if old is not None:
            group.command(old, hidden=True)(function)
    app.add_typer(group, name=name)
    if alias is not None:
        app.add_typer(group, name=alias, hidden=True)


def _command(name: str, alias: str | None, function: Callable[..., Any]) -> None:
    app.command(name)(function)
    if alias is not None:
        app.command(alias, hidden=True)(function)


_command("demo", None, processes.demo_command)
_command("migrer", "migrate", processes.migrate_command)
_command("serveur", "run", processes.run_command)
_command("executeur", "worker", processes.worker_command)
_command("planificateur", "beat", processes.beat_command)
_command("importer", "import", operations.import_command)
_command("envoyer", "tick", operations.tick_command)
_command("simuler", "simulate", operations.simulate_command)
_command("rapport", None, operations.rapport_command)
_command("verifier", "doctor", doctor.doctor_command)

_group("partenaires", "partners", "Partenaires et clés d'API.", [
    ("ajouter", "add", partners.partners_add),
    ("cle", "key", partners.partners_key),
])
_group("campagnes", "campaigns", "Campagnes.", [("charger", "load", operations.campaigns_load),
                                                ("activer", None, operations.campaigns_activate)])
_group("menages", "households", "Ménages.", [("exporter", "export", operations.households_export)])
_group("modeles", "templates", "Modèles de messages.", [("verifier", "check", operations.templates_check)])
_group("comptes", "users", "Comptes des personnes qui utilisent les pages web.", [
    ("ajouter", "add", accounts.users_add),
    ("relier-agent", "link-worker", accounts.users_link_worker),
    ("desactiver", "disable", accounts.users_disable),
])
_group("cles", None, "Clés de chiffrement des données personnelles.", [
    ("generer", None, protection.keys_generate),
    ("rotation", None, protection.keys_rotate),
])
_group("journal", None, "Journal des accès aux données personnelles.", [
    ("exporter", "export", protection.journal_export),
])
_group("conservation", None, "Conservation des données personnelles.", [
    ("purger", None, protection.retention_purge),
])
_group("rapprochement", None, "Paramètres du rapprochement des ménages.", [
    ("entrainer", None, linkage.train_command),
    ("comparer", None, linkage.compare_command),
    ("activer", None, linkage.activate_command),
    ("versions", None, linkage.list_command),
])
