"""`chaine verifier`: is this installation ready to run? One line per check (✓ or ✗), in French, with what to fix;
exit code 1 when anything is wrong (docs/operations.md, "Before starting").

It reads and connects, never writes: no migration, no key generated, no message sent (the SMTP server is greeted,
and logged in to when an account is set, then left).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

import phonenumbers
import typer
from sqlalchemy import Engine

from campaigns.crypto.cipher import DataKeyError
from campaigns.crypto.keys import KEYS_FILE, load_keyring
from campaigns.locale.labels import plural
from campaigns.platform.db import make_engine
from campaigns.platform.resources import dsfr_dir, font_dir, message_templates_dir
from campaigns.platform.settings import Settings, get_settings
from campaigns.runtime import migrate
from campaigns.runtime.readiness import Check, check_broker, check_database

SMTP_TIMEOUT_SECONDS = 5
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_TWILIO_SID = {"AC": re.compile(r"AC[0-9a-f]{32}"), "MG": re.compile(r"MG[0-9a-f]{32}")}


def check_schema(engine: Engine) -> Check:
    try:
        current = migrate.database_heads(engine)
        migrate.require_current(engine)
    except migrate.SchemaNotCurrentError as exc:
        if engine.dialect.name == "sqlite":
            return Check("schéma", True, "base embarquée : elle se met à jour seule au prochain lancement")
        return Check("schéma", False, str(exc))
    except Exception as exc:  # unreachable database: already reported by the database check
        return Check("schéma", False, f"révision illisible ({type(exc).__name__}) : rendez la base joignable")
    return Check("schéma", True, f"à jour (révision {', '.join(sorted(current))})")


def check_keys(settings: Settings) -> Check:
    given = settings.data_keys.get_secret_value().strip() and settings.blind_index_key.get_secret_value().strip()
    if not given and settings.eager:
        stored = settings.data_dir / KEYS_FILE
        if not stored.exists():
            return Check("clés", True, f"mode embarqué : elles seront créées dans {stored} au premier lancement "
                                       "(sauvegardez ce fichier)")
    try:
        keyring = load_keyring(settings)
        sample = keyring.encrypt(b"verification", b"chaine-verifier")
        keyring.decrypt(sample, b"chaine-verifier")
    except DataKeyError as exc:
        return Check("clés", False, str(exc))
    count = len(keyring.data_keys)
    return Check("clés", True, f"{count} clé{'s' if count > 1 else ''} de chiffrement et la clé d'index, valides")


def check_templates() -> Check:
    from campaigns.messages.falc import check_templates as falc_report
    from campaigns.messages.requirements import check_all_variants

    try:
        report = falc_report()
        missing = check_all_variants(now=datetime.now(UTC))
    except Exception as exc:  # a template that does not even render
        return Check("modèles", False, f"un modèle ne se rend pas ({type(exc).__name__}: {exc}) dans "
                                       f"{message_templates_dir()}")
    problems = sum(len(row.issues) for row in report.rows if row.falc) + len(missing)
    if problems:
        return Check("modèles", False, f"{problems} problème{'s' if problems > 1 else ''} (FALC ou contenu "
                                       "obligatoire) : le détail est dans « chaine modeles verifier »")
    variants = len(report.rows)
    return Check("modèles", True, f"{plural(variants, 'variante conforme', 'variantes conformes')} (FALC, contenu "
                                  "obligatoire)")


def check_assets() -> Check:
    fonts, dsfr = font_dir(), dsfr_dir()
    missing = [str(fonts / name) for name in FONTS if not (fonts / name).is_file()]
    if not (dsfr / "dsfr.min.css").is_file():
        missing.append(str(dsfr / "dsfr.min.css"))
    if missing:
        return Check("polices et DSFR", False, "fichiers absents : " + ", ".join(missing) + " ; installez le paquet "
                                               "fonts-dejavu-core et lancez scripts/setup.sh (docs/installation.md)")
    return Check("polices et DSFR", True, f"DejaVu Sans dans {fonts}, DSFR dans {dsfr}")


def check_twilio(settings: Settings) -> Check:
    if settings.sms_provider != "twilio":
        return Check("Twilio", True, "non utilisé (SMS écrits dans la boîte de sortie locale)")
    problems = []
    if not _TWILIO_SID["AC"].fullmatch(settings.twilio_account_sid):
        problems.append("CHAINE_TWILIO_ACCOUNT_SID doit commencer par AC suivi de 32 caractères hexadécimaux")
    if not re.fullmatch(r"[0-9a-f]{32}", settings.twilio_auth_token.get_secret_value()):
        problems.append("CHAINE_TWILIO_AUTH_TOKEN doit compter 32 caractères hexadécimaux")
    service, number = settings.twilio_messaging_service_sid, settings.twilio_from_number
    if service and not _TWILIO_SID["MG"].fullmatch(service):
        problems.append("CHAINE_TWILIO_MESSAGING_SERVICE_SID doit commencer par MG suivi de 32 caractères")
    if not service and not _e164(number):
        problems.append("donnez CHAINE_TWILIO_MESSAGING_SERVICE_SID ou un CHAINE_TWILIO_FROM_NUMBER au format "
                        "international (+33…)")
    base = settings.twilio_api_base_url
    if base and urlsplit(base).scheme not in {"http", "https"}:
        problems.append("CHAINE_TWILIO_API_BASE_URL doit être une adresse http:// ou https://")
    if problems:
        return Check("Twilio", False, " ; ".join(problems))
    return Check("Twilio", True, "réglages complets et bien formés (rien n'est envoyé)")


def _e164(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def check_smtp(settings: Settings) -> Check:
    if settings.email_provider != "smtp":
        return Check("SMTP", True, "non utilisé (courriels écrits dans la boîte de sortie locale)")
    sender = parseaddr(settings.smtp_from)[1]
    if "@" not in sender or sender.endswith(".invalid"):
        return Check("SMTP", False, f"CHAINE_SMTP_FROM « {settings.smtp_from} » n'est pas une adresse d'expédition "
                                    "réelle")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as server:
            server.ehlo()
            if settings.smtp_start_tls:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if settings.smtp_username:
                server.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    except smtplib.SMTPAuthenticationError:
        return Check("SMTP", False, f"{where} refuse l'identifiant : vérifiez CHAINE_SMTP_USERNAME et "
                                    "CHAINE_SMTP_PASSWORD")
    except smtplib.SMTPNotSupportedError:
        return Check("SMTP", False, f"{where} ne propose pas STARTTLS : activez-le sur le serveur ou réglez "
                                    "CHAINE_SMTP_START_TLS=false")
    except (OSError, smtplib.SMTPException) as exc:
        return Check("SMTP", False, f"{where} injoignable ({type(exc).__name__}) : vérifiez CHAINE_SMTP_HOST et "
                                    "CHAINE_SMTP_PORT")
    return Check("SMTP", True, f"{where} répond{' et accepte l’identifiant' if settings.smtp_username else ''} "
                               "(rien n'est envoyé)")


LABELS = {"base": "Base de données", "schéma": "Schéma", "courtier": "Courtier", "clés": "Clés",
          "modèles": "Modèles", "polices et DSFR": "Polices et DSFR", "Twilio": "Twilio", "SMTP": "SMTP"}


def _embedded_database_missing(settings: Settings) -> Check | None:
    """The embedded base is created at first start: its absence is no problem, and looking must not create it."""
    if settings.database_url.get_secret_value():
        return None
    path = settings.data_dir / "chaine.db"
    if path.exists():
        return None
    return Check("base", True, f"base embarquée pas encore créée ({path.resolve()}) : elle le sera au premier "
                               "lancement")


def run_checks(settings: Settings) -> list[Check]:
    engine = make_engine(settings.resolved_database_url)
    missing = _embedded_database_missing(settings)
    checks: list[Callable[[], Check]] = [
        (lambda: missing) if missing is not None else lambda: check_database(engine),
        (lambda: Check("schéma", True, "créé avec la base")) if missing is not None else lambda: check_schema(engine),
        lambda: check_broker(settings.broker_url.get_secret_value()),
        lambda: check_keys(settings),
        check_templates,
        check_assets,
        lambda: check_twilio(settings),
        lambda: check_smtp(settings),
    ]
    results = []
    for check in checks:
        results.append(check())
        typer.echo(_line(results[-1]))
    engine.dispose()
    return results


def _line(check: Check) -> str:
    return f"{'✓' if check.ok else '✗'} {LABELS.get(check.name, check.name)} : {check.detail}"


def doctor_command() -> None:
    """Vérifie l'installation : base et schéma, courtier, clés, modèles, polices et DSFR, Twilio et SMTP."""
    results = run_checks(get_settings())
    failed = sum(not check.ok for check in results)
    if failed:
        typer.echo(f"{failed} point{'s' if failed > 1 else ''} à corriger.")
        raise typer.Exit(code=1)
    typer.echo("Tout est prêt.")
