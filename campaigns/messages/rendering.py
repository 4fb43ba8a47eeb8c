"""Jinja2 environment (StrictUndefined) and template resolution by channel, slug, locale and FALC."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from campaigns.locale.formats import format_date_fr, format_montant
from campaigns.platform.resources import message_templates_dir

# Channel code (as in OutboundMessage.channel) -> folder under templates/.
CHANNEL_DIRS: dict[str, str] = {"courrier": "letters", "sms": "sms", "email": "email"}

# Per channel: the file that decides whether a variant exists, then the companion files it requires.
# Keys of the dict are the Rendered fields they fill.
_PARTS: dict[str, dict[str, str]] = {
    "courrier": {"html_body": ".html.j2", "subject": ".subject.txt.j2"},
    "sms": {"body": ".txt.j2"},
    "email": {"html_body": ".html.j2", "subject": ".subject.txt.j2", "body": ".txt.j2"},
}

DEFAULT_LOCALE = "fr"
FALC_MARK = ".falc"

# Names become path segments: keep them to a safe alphabet rather than trust the caller.
_SLUG_RE = re.compile(r"^[a-z0-9_]+$")
_LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_ASCII_WS_RE = re.compile(r"[ \t\r\n]+")
_VARIANT_RE = re.compile(r"^(?P<locale>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)(?P<falc>\.falc)?$")



class TemplateNotFoundError(LookupError):
    """No template (not even the French standard one) exists for a channel and slug."""


@dataclass(frozen=True)
class Rendered:
    """A rendered message; `fallback` is True when another locale/register than asked for was used."""

    subject: str
    body: str
    html_body: str
    locale: str
    falc: bool
    template_path: str
    fallback: bool
    # The source of every file of the variant used (relative path -> text): the exact version sent.
    sources: dict[str, str] = field(default_factory=dict)


def templates_dir() -> Path:
    """CHAINE_TEMPLATES_DIR if set, else the repository's top-level `templates/` folder."""
    configured = os.environ.get("CHAINE_TEMPLATES_DIR")
    if configured:
        return Path(configured)
    return message_templates_dir()


def _shown(value: object) -> object:
    """A value printed in a message: an absent one (None) prints nothing, never the word « None »."""
    return "" if value is None else value


@lru_cache(maxsize=8)
def _environment(root: str) -> Environment:
    # One Environment per folder: Jinja caches compiled templates on it, and tests may point elsewhere.
    env = Environment(
        loader=FileSystemLoader(root),
        undefined=StrictUndefined,
        # Only HTML is escaped: SMS, subjects and plain-text e-mails must keep "&" and quotes as typed.
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_shown,
    )
    env.filters["montant"] = format_montant
    env.filters["date_fr"] = format_date_fr
    return env


@lru_cache(maxsize=2)
def sandbox(html: bool) -> SandboxedEnvironment:
    """Templates written by users run in Jinja2's sandbox: no attribute of Python's internals, no file access."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=html, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=False, finalize=_shown)
    env.filters["montant"] = format_montant
    env.filters["date_fr"] = format_date_fr
    return env


# A stored variant: Rendered field name (html_body, subject, body) -> template source, written by a user.
StoredVariants = Mapping[tuple[str, bool], Mapping[str, str]]


def valid_locale(locale: str) -> bool:
    return bool(_LOCALE_RE.match(locale))


def parts_of(channel: str) -> dict[str, str]:
    """The parts a variant of `channel` is made of: Rendered field name -> file suffix."""
    return dict(_PARTS[channel])


def _render_stored(channel: str, stem: str, files: Mapping[str, str], values: dict[str, object]
                   ) -> tuple[dict[str, str], dict[str, str]]:
    out = {"subject": "", "body": "", "html_body": ""}
    sources: dict[str, str] = {}
    for field_name, suffix in _PARTS[channel].items():
        source = files.get(field_name, "")
        out[field_name] = sandbox(suffix.endswith("html.j2")).from_string(source).render(values).strip()
        sources[f"{stem}{suffix}"] = source
    return out, sources


def _variant_name(locale: str, falc: bool) -> str:
    return f"{locale}{FALC_MARK if falc else ''}"


# A campaign's explicit fallback order (docs/domain.md §9): each step names a variant relative to what the household
# asks for: its language in the register asked (FALC or not), its language standard, French in that register,
# French standard. The order "langue_falc, langue, fr_falc, fr" gives ar-FALC → ar → fr-FALC → fr.
FALLBACK_STEPS = ("langue_falc", "langue", "fr_falc", "fr")


def fallback_candidates(locale: str, falc: bool, order: Sequence[str]) -> list[tuple[str, bool]]:
    """The variants to try, in the campaign's configured order, the one asked for always first."""
    variants = {"langue_falc": (locale, falc), "langue": (locale, False),
                "fr_falc": (DEFAULT_LOCALE, falc), "fr": (DEFAULT_LOCALE, False)}
    return list(dict.fromkeys([(locale, falc), *(variants[step] for step in order)]))


def _candidates(locale: str, falc: bool, register_first: bool) -> list[tuple[str, bool]]:
    if register_first:
        # FALC required: French FALC beats a standard text in the household's language.
        order = [(locale, falc), (DEFAULT_LOCALE, falc), (locale, False), (DEFAULT_LOCALE, False)]
    else:
        order = [(locale, falc), (locale, False), (DEFAULT_LOCALE, falc), (DEFAULT_LOCALE, False)]
    return list(dict.fromkeys(order))  # drop repeats, keep order


def _one_line(text: str) -> str:
    # Subjects go into a PDF "Objet" line or an e-mail header: never more than one line.
    # Only ASCII whitespace collapses: str.split() would also eat the no-break space before ":".
    return _ASCII_WS_RE.sub(" ", text).strip()


def render(
    channel: str, slug: str, *, locale: str, falc: bool, context: Mapping[str, object], register_first: bool = False,
    stored: StoredVariants | None = None, order: Sequence[str] | None = None,
) -> Rendered:
    """Render a message, falling back to (locale, standard), then French FALC, then French standard; or, when the
    campaign configured one (`order`, FALLBACK_STEPS), in that order only.

    `stored` holds the variants a campaign owner published (campaigns/messages/stored.py): each one replaces the
    file of the same variant, and is rendered in the sandbox."""
    if channel not in CHANNEL_DIRS:
        raise ValueError(f"canal inconnu {channel!r} (attendu : {', '.join(CHANNEL_DIRS)})")
    if not _SLUG_RE.match(slug):
        raise ValueError(f"nom de modèle invalide {slug!r}")
    if not _LOCALE_RE.match(locale):
        raise ValueError(f"langue invalide {locale!r}")
    # Every template may use `lien_reponse` (the household's answer link, docs/web.md): absent, it is None.
    context = {"lien_reponse": None, **context}
    root = templates_dir()
    folder = f"{CHANNEL_DIRS[channel]}/{slug}"
    parts = _PARTS[channel]
    primary_suffix = next(iter(parts.values()))
    candidates = fallback_candidates(locale, falc, order) if order else _candidates(locale, falc, register_first)
    for cand_locale, cand_falc in candidates:
        stem = f"{folder}/{_variant_name(cand_locale, cand_falc)}"
        if stored and (cand_locale, cand_falc) in stored:
            out, sources = _render_stored(channel, stem, stored[(cand_locale, cand_falc)], dict(context))
            return Rendered(
                subject=_one_line(out["subject"]), body=out["body"], html_body=out["html_body"], locale=cand_locale,
                falc=cand_falc, template_path=f"{stem}{primary_suffix}",
                fallback=(cand_locale, cand_falc) != (locale, falc), sources=sources,
            )
        if not (root / f"{stem}{primary_suffix}").is_file():
            continue
        missing = [f"{stem}{suffix}" for suffix in parts.values() if not (root / f"{stem}{suffix}").is_file()]
        if missing:
            # An incomplete variant is a packaging bug: fail loudly instead of silently falling back.
            raise TemplateNotFoundError(f"modèle incomplet dans {root} : il manque {', '.join(missing)}")
        env = _environment(str(root))
        values = dict(context)
        out = {"subject": "", "body": "", "html_body": ""}
        for field_name, suffix in parts.items():
            out[field_name] = env.get_template(f"{stem}{suffix}").render(values).strip()
        return Rendered(
            subject=_one_line(out["subject"]),
            body=out["body"],
            html_body=out["html_body"],
            locale=cand_locale,
            falc=cand_falc,
            template_path=f"{stem}{primary_suffix}",
            fallback=(cand_locale, cand_falc) != (locale, falc),
            sources={f"{stem}{suffix}": (root / f"{stem}{suffix}").read_text("utf-8") for suffix in parts.values()},
        )
    raise TemplateNotFoundError(
        f"aucun modèle {channel}/{slug} dans {root / folder} pour la langue {locale!r}"
        f"{' (FALC)' if falc else ''}, ni en français ({DEFAULT_LOCALE}{primary_suffix})"
    )


def list_templates() -> list[tuple[str, str, str, bool]]:
    """Every (channel, slug, locale, falc) variant present on disk, sorted."""
    root = templates_dir()
    found: list[tuple[str, str, str, bool]] = []
    for channel, dirname in CHANNEL_DIRS.items():
        primary_suffix = next(iter(_PARTS[channel].values()))
        channel_dir = root / dirname
        if not channel_dir.is_dir():
            continue
        for slug_dir in channel_dir.iterdir():
            if not slug_dir.is_dir() or not _SLUG_RE.match(slug_dir.name):
                continue
            for path in slug_dir.iterdir():
                if not path.name.endswith(primary_suffix):
                    continue
                match = _VARIANT_RE.match(path.name.removesuffix(primary_suffix))
                # "fr.subject.txt.j2" ends like an e-mail's ".txt.j2" but is no variant: the regex drops it.
                if match:
                    found.append((channel, slug_dir.name, match["locale"], bool(match["falc"])))
    return sorted(found)
