"""The household's answer page, /r/<token> (docs/web.md, « Le lien de réponse »): no account, nothing personal
before the light check, then a few taps. Every wrong, expired or revoked link gets the same page and status (no
enumeration); requests are limited per link and per client address; pages are never indexed, never cached, and
send no Referer. Logs and metrics name the route template, never the path (api/observability.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import redis
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import RuntimeDep
from api.int_bounds import whole_number
from api.web.templating import render
from campaigns.answers import replies, texts
from campaigns.answers.checks import check_answer, is_locked
from campaigns.answers.limits import ADDRESS_LIMIT, CHECK_LIMIT, LINK_LIMIT, AnswerLimits
from campaigns.answers.page import page_variant, page_view
from campaigns.answers.shared_limits import SharedRequestWindow
from campaigns.links.tokens import find_link, token_hash
from campaigns.models import AnswerLink
from campaigns.platform.errors import ValidationError
from campaigns.runtime.root import Runtime

router = APIRouter(include_in_schema=False)
_SESSION_KEY = "lien_verifie"
NOT_FOUND = ("Ce lien ne fonctionne pas", "Ce lien n'est plus valable ou il est mal recopié. Vérifiez l'adresse "
             "écrite sur votre courrier ou votre SMS. Vous pouvez aussi appeler le numéro écrit sur votre courrier.")
TOO_MANY = ("Trop de tentatives", "Pour protéger vos informations, cette page est bloquée pendant un moment. "
            "Réessayez plus tard, ou appelez le numéro écrit sur votre courrier.")
DONE = {nature: f"done_{nature.value}" for nature in replies.Nature}


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = render(request, name, context, status_code=status_code)
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    # The token is in the address: no other site may learn it from a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _message(request: Request, title_and_text: tuple[str, str], status_code: int,
             variant: str = texts.FR) -> HTMLResponse:
    title, text = title_and_text
    return _page(request, "reponse/message.html", {"title": title, "message": text, **_language(variant)},
                 status_code)


def _language(variant: str) -> dict[str, Any]:
    """The page's words and the language attributes of its content (the DSFR header and footer stay French)."""
    return {"t": texts.TEXTS[variant], "lang": texts.language(variant),
            "dir": "rtl" if variant in texts.RIGHT_TO_LEFT else "ltr", "falc": variant == texts.FALC}


def _locked(request: Request, variant: str) -> HTMLResponse:
    words = texts.TEXTS[variant]
    return _message(request, (words["locked_title"], words["locked"]), 403, variant)


def _address(request: Request) -> str:
    return request.client.host if request.client else "inconnue"


def _open(request: Request, runtime: Runtime, session: Session, token: str) -> AnswerLink | HTMLResponse:
    """The link, or the page to answer instead: 429 past the limits, 404 for any link that does not work."""
    limits: AnswerLimits = request.app.state.answer_limits
    wait = limits.wait(link_key=token_hash(token)[:32], address=_address(request))
    if wait:
        response = _message(request, TOO_MANY, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    link = find_link(session, token, now=runtime.clock())
    if link is None:
        return _message(request, NOT_FOUND, 404)
    return link


def _checked(request: Request, link: AnswerLink) -> bool:
    return request.session.get(_SESSION_KEY) == link.id


def _home(request: Request, runtime: Runtime, session: Session, link: AnswerLink, *, done: str | None = None,
          error: str | None = None, code_sent: bool = False, status_code: int = 200) -> HTMLResponse:
    view = page_view(session, link)
    slots = [(slot.key, texts.slot_label(slot.start, slot.end, slot.label, view.variant))
             for slot in replies.callback_offer(session, link, now=runtime.clock())]
    words = texts.TEXTS[view.variant]
    return _page(request, "reponse/actions.html", {
        "view": view, "done": words[done] if done else None, "error": error, "code_sent": code_sent,
        "base": f"/r/{request.path_params['token']}", "slots": slots, "structures": replies.structures(session),
        **_language(view.variant),
    }, status_code)


@router.get("/r/{token}", response_class=HTMLResponse)
def answer_page(request: Request, token: str, runtime: RuntimeDep) -> Response:
    with runtime.session_factory.begin() as session:
        link = _open(request, runtime, session, token)
        if isinstance(link, HTMLResponse):
            return link
        variant = page_variant(session, link)
        if is_locked(link):
            return _locked(request, variant)
        if not _checked(request, link):
            return _page(request, "reponse/verification.html", {"error": None, **_language(variant)})
        return _home(request, runtime, session, link)


@router.post("/r/{token}", response_class=HTMLResponse)
def check(request: Request, token: str, runtime: RuntimeDep, reponse: Annotated[str, Form()] = "") -> Response:
    limits: AnswerLimits = request.app.state.answer_limits
    with runtime.session_factory.begin() as session:
        link = _open(request, runtime, session, token)
        if isinstance(link, HTMLResponse):
            return link
        variant = page_variant(session, link)
        if is_locked(link):
            return _locked(request, variant)
        if not limits.may_check(_address(request)):
            return _message(request, TOO_MANY, 429)
        if check_answer(session, link, reponse[:100], now=runtime.clock()):
            request.session[_SESSION_KEY] = link.id
            return RedirectResponse(f"/r/{token}", status_code=303)
        limits.check_failed(_address(request))
    return _page(request, "reponse/verification.html",
                 {"error": texts.TEXTS[variant]["wrong_answer"], **_language(variant)}, 400)


def _answer(request: Request, runtime: Runtime, token: str,
            act: Callable[[Session, AnswerLink], replies.Nature | str]) -> Response:
    """Runs one answer for a checked link; the page again with what was done (or the French error)."""
    with runtime.session_factory.begin() as session:
        link = _open(request, runtime, session, token)
        if isinstance(link, HTMLResponse):
            return link
        if not _checked(request, link):
            return RedirectResponse(f"/r/{token}", status_code=303)
        variant = page_variant(session, link)
        try:
            outcome = act(session, link)
        except ValidationError as exc:  # refused before anything is written
            return _home(request, runtime, session, link, error=texts.error_text(str(exc), variant), status_code=400)
        if isinstance(outcome, replies.Nature):
            return _home(request, runtime, session, link, done=DONE[outcome])
        error = texts.TEXTS[variant][outcome] if outcome else None
        return _home(request, runtime, session, link, error=error, code_sent=True,
                     status_code=400 if outcome else 200)


@router.post("/r/{token}/recu", response_class=HTMLResponse)
def acknowledge(request: Request, token: str, runtime: RuntimeDep) -> Response:
    def act(session: Session, link: AnswerLink) -> replies.Nature:
        replies.acknowledge(session, link, now=runtime.clock())
        return replies.Nature.RECU
    return _answer(request, runtime, token, act)


@router.post("/r/{token}/rappel", response_class=HTMLResponse)
def callback(request: Request, token: str, runtime: RuntimeDep, creneau: Annotated[str, Form()] = "") -> Response:
    def act(session: Session, link: AnswerLink) -> replies.Nature:
        slot = replies.chosen_slot(session, link, creneau[:40], now=runtime.clock())
        if slot is None:
            raise ValidationError(texts.TEXTS[texts.FR]["error_slot"])
        replies.request_callback(session, link, slot, now=runtime.clock())
        return replies.Nature.RAPPEL
    return _answer(request, runtime, token, act)


@router.post("/r/{token}/telephone", response_class=HTMLResponse)
def new_phone(request: Request, token: str, runtime: RuntimeDep, telephone: Annotated[str, Form()] = "") -> Response:
    def act(session: Session, link: AnswerLink) -> str:
        replies.start_phone_change(session, link, telephone[:40], runtime.channels["sms"], now=runtime.clock())
        return ""
    return _answer(request, runtime, token, act)


@router.post("/r/{token}/code", response_class=HTMLResponse)
def phone_code(request: Request, token: str, runtime: RuntimeDep, code: Annotated[str, Form()] = "") -> Response:
    def act(session: Session, link: AnswerLink) -> replies.Nature | str:
        if replies.confirm_phone(session, link, code[:12], now=runtime.clock()) is None:
            return "error_code"
        return replies.Nature.TELEPHONE
    return _answer(request, runtime, token, act)


@router.post("/r/{token}/adresse", response_class=HTMLResponse)
def new_address(request: Request, token: str, runtime: RuntimeDep, adresse: Annotated[str, Form()] = "") -> Response:
    def act(session: Session, link: AnswerLink) -> replies.Nature:
        replies.propose_address(session, link, adresse[:700], now=runtime.clock())
        return replies.Nature.ADRESSE
    return _answer(request, runtime, token, act)


@router.post("/r/{token}/accompagnement", response_class=HTMLResponse)
def followed(request: Request, token: str, runtime: RuntimeDep, structure: Annotated[str, Form()] = "") -> Response:
    def act(session: Session, link: AnswerLink) -> replies.Nature:
        chosen = whole_number(structure)
        if chosen is None:
            raise ValidationError(texts.TEXTS[texts.FR]["error_structure"])
        replies.already_followed(session, link, chosen, now=runtime.clock())
        return replies.Nature.ACCOMPAGNE
    return _answer(request, runtime, token, act)


@router.post("/r/{token}/sms", response_class=HTMLResponse)
def no_more_sms(request: Request, token: str, runtime: RuntimeDep) -> Response:
    def act(session: Session, link: AnswerLink) -> replies.Nature:
        replies.stop_sms(session, link, now=runtime.clock())
        return replies.Nature.SANS_SMS
    return _answer(request, runtime, token, act)


def answer_limits(url: str) -> AnswerLimits:
    """The answer page's limits, shared by every API process through Redis when `url` is given."""
    if not url:
        return AnswerLimits()
    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def window(name: str, limit: tuple[int, int]) -> SharedRequestWindow:
        return SharedRequestWindow(limit=limit[0], seconds=limit[1], client=client, name=name)

    return AnswerLimits(shared=(window("lien", LINK_LIMIT), window("adresse", ADDRESS_LIMIT),
                                window("controle", CHECK_LIMIT)))


def install_answer_pages(app: FastAPI) -> None:
    app.state.answer_limits = answer_limits(app.state.runtime.settings.limits_redis_url)
    app.include_router(router)
