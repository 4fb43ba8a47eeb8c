"""The answer page's words, in the variants the letters ship (docs/web.md, « Le lien de réponse »): French, French
FALC (short sentences, one idea each, checked by campaigns/messages/falc.py in the tests), English and Arabic. The
household gets the variant its link's campaign writes to it (`wanted_variant`): its language when the campaign
writes in it, FALC when the campaign sends FALC; a language without texts here falls back to French.

Every variant has every key (tests/test_answer_languages.py checks it). Names of places and public services stay in
French (ADIL, CCAPEX), as on the letters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from campaigns.locale.clock import PARIS

FR, FALC, EN, AR = "fr", "fr-falc", "en", "ar"
VARIANTS: Final = (FR, FALC, EN, AR)
RIGHT_TO_LEFT = frozenset({AR})


def variant_of(locale: str, falc: bool) -> str:
    """The page variant for the language and register a campaign writes to the household in."""
    if locale in (EN, AR):
        return locale
    return FALC if falc else FR


def language(variant: str) -> str:
    """The page's `lang` attribute."""
    return "fr" if variant in (FR, FALC) else variant


_FR: dict[str, str] = {
    "title": "Répondre à votre courrier",
    "check_intro": "Vous avez reçu un courrier, un SMS ou un e-mail au sujet de votre logement. Cette page vous permet "
                   "d'y répondre sans vous déplacer. Pour protéger vos informations, répondez d'abord à une question.",
    "check_label": "Référence écrite sur votre courrier, ou votre année de naissance",
    "check_hint": "Par exemple : DOS-2026-00042, ou 1978",
    "continue": "Continuer",
    "wrong_answer": "Ce n'est pas la bonne réponse. Vérifiez la référence écrite sur votre courrier.",
    "locked_title": "Trop d'erreurs",
    "locked": "Pour protéger vos informations, ce lien est bloqué après plusieurs erreurs. Appelez le numéro écrit "
              "sur votre courrier : on vous aidera.",
    "reply_to": "Répondre à {sender}",
    "choose": "Choisissez ce que vous voulez nous dire : une seule réponse suffit, et vous pouvez revenir plus tard.",
    "received": "J'ai bien reçu ce courrier",
    "callback_title": "Je veux être rappelé(e)",
    "callback_legend": "Choisissez le moment où l'on peut vous appeler",
    "callback_button": "Être rappelé(e) à ce moment",
    "details_title": "Mes coordonnées ont changé",
    "code_label": "Code reçu par SMS sur votre nouveau numéro",
    "code_hint": "6 chiffres, valable 15 minutes",
    "code_button": "Confirmer mon numéro",
    "phone_label": "Mon nouveau numéro de téléphone",
    "phone_hint": "Nous vous envoyons un code par SMS pour le vérifier.",
    "phone_button": "Recevoir un code",
    "address_label": "Ma nouvelle adresse",
    "address_hint": "Numéro et rue, puis code postal et commune. Elle sera vérifiée avant le prochain courrier.",
    "address_button": "Envoyer ma nouvelle adresse",
    "followed_title": "Je suis déjà accompagné(e)",
    "followed_label": "Par quelle structure ?",
    "followed_empty": "Choisir une structure",
    "followed_button": "C'est cette structure",
    "no_sms": "Je ne veux plus de SMS",
    "next_title": "Et maintenant ?",
    "contacts_title": "Les contacts utiles",
    "phone_word": "Téléphone",
    "address_word": "Adresse",
    "role_adil": "Conseils gratuits sur vos droits et la procédure",
    "role_referent": "La structure qui vous accompagne",
    "role_ccapex": "La CCAPEX, commission de prévention des expulsions, par la préfecture",
    "done_recu": "Merci. Nous savons maintenant que vous avez bien reçu ce courrier.",
    "done_rappel": "C'est noté : on vous appellera sur le créneau choisi.",
    "done_telephone": "Merci. Votre nouveau numéro est confirmé.",
    "done_adresse": "Merci. Votre nouvelle adresse sera vérifiée avant le prochain courrier.",
    "done_accompagne": "Merci. C'est noté : vous êtes déjà accompagné(e).",
    "done_sans_sms": "C'est noté : vous ne recevrez plus de SMS.",
    "error_slot": "Choisissez un créneau dans la liste.",
    "error_structure": "Choisissez une structure dans la liste.",
    "error_code": "Ce code n'est pas le bon, ou il a expiré. Vérifiez le SMS reçu, ou demandez un nouveau code.",
    "error_phone": "Ce numéro de téléphone n'est pas valide.",
    "error_codes": "Trop de codes envoyés pour ce lien. Appelez plutôt l'un des numéros ci-dessous.",
    "error_address_lines": "Écrivez la nouvelle adresse en 6 lignes au plus, avec le code postal et la commune.",
    "error_address_postal": "Écrivez le numéro et la rue sur une ligne, puis le code postal et la commune sur la "
                            "dernière ligne (par exemple : 44300 Nantes).",
}

# FALC: one idea per sentence, 15 words at most, numbers in digits, every sigle explained.
_FALC: dict[str, str] = _FR | {
    "check_intro": "Vous avez reçu une lettre ou un SMS.\nIci, vous pouvez répondre.\n"
                   "D'abord, nous vérifions que c'est bien vous.",
    "check_label": "Écrivez la référence de votre lettre, ou votre année de naissance",
    "wrong_answer": "Ce n'est pas la bonne réponse.\nRegardez la référence sur votre lettre.",
    "locked": "Il y a eu trop d'erreurs.\nCe lien est bloqué pour protéger vos informations.\n"
              "Appelez le numéro écrit sur votre lettre.\nQuelqu'un va vous aider.",
    "choose": "Choisissez ce que vous voulez nous dire.\nUn seul choix suffit.",
    "received": "J'ai bien reçu la lettre",
    "callback_legend": "Quand pouvons-nous vous appeler ?",
    "callback_button": "Être appelé(e) à ce moment",
    "details_title": "J'ai un nouveau numéro ou une nouvelle adresse",
    "code_label": "Écrivez le code reçu par SMS",
    "code_hint": "Le code a 6 chiffres.\nIl marche 15 minutes.",
    "phone_hint": "Nous envoyons un code par SMS à ce numéro.",
    "address_hint": "Écrivez le numéro et la rue.\nPuis le code postal et la ville.",
    "followed_title": "Quelqu'un m'aide déjà",
    "followed_label": "Qui vous aide ?",
    "followed_button": "C'est cette structure qui m'aide",
    "contacts_title": "Qui peut vous aider ?",
    "role_adil": "Des conseils gratuits sur vos droits",
    "role_referent": "Les personnes qui vous aident",
    "role_ccapex": "La CCAPEX : des services qui cherchent une solution avec vous",
    "done_recu": "Merci.\nNous savons que vous avez reçu la lettre.",
    "done_rappel": "C'est noté.\nNous allons vous appeler au moment choisi.",
    "done_telephone": "Merci.\nVotre nouveau numéro est enregistré.",
    "done_adresse": "Merci.\nNous allons vérifier votre nouvelle adresse.",
    "done_accompagne": "Merci.\nNous savons que quelqu'un vous aide déjà.",
    "done_sans_sms": "C'est noté.\nVous ne recevrez plus de SMS.",
    "error_code": "Ce code ne marche pas.\nRegardez le SMS reçu.\nVous pouvez aussi demander un nouveau code.",
    "error_codes": "Nous avons envoyé trop de codes.\nAppelez un des numéros en bas de la page.",
    "error_address_lines": "Votre adresse est trop longue.\nÉcrivez 6 lignes au plus.",
    "error_address_postal": "Il manque le code postal ou la ville.\nÉcrivez-les sur la dernière ligne.",
}

_EN: dict[str, str] = {
    "title": "Reply to your letter",
    "check_intro": "You received a letter, a text message or an e-mail about your home. On this page you can reply "
                   "without travelling. To protect your information, please answer one question first.",
    "check_label": "Reference written on your letter, or your year of birth",
    "check_hint": "For example: DOS-2026-00042, or 1978",
    "continue": "Continue",
    "wrong_answer": "That is not the right answer. Check the reference written on your letter.",
    "locked_title": "Too many errors",
    "locked": "To protect your information, this link is blocked after several errors. Call the number written on "
              "your letter: someone will help you.",
    "reply_to": "Reply to {sender}",
    "choose": "Choose what you want to tell us: one answer is enough, and you can come back later.",
    "received": "I have received this letter",
    "callback_title": "I would like a call back",
    "callback_legend": "Choose when we can call you",
    "callback_button": "Call me back at this time",
    "details_title": "My contact details have changed",
    "code_label": "Code received by text message on your new number",
    "code_hint": "6 digits, valid for 15 minutes",
    "code_button": "Confirm my number",
    "phone_label": "My new phone number",
    "phone_hint": "We send a code by text message to check it.",
    "phone_button": "Get a code",
    "address_label": "My new address",
    "address_hint": "Number and street, then postcode and town. It will be checked before the next letter.",
    "address_button": "Send my new address",
    "followed_title": "I already get support",
    "followed_label": "From which organisation?",
    "followed_empty": "Choose an organisation",
    "followed_button": "This organisation",
    "no_sms": "I do not want any more text messages",
    "next_title": "What happens next?",
    "contacts_title": "Useful contacts",
    "phone_word": "Phone",
    "address_word": "Address",
    "role_adil": "Free advice on your rights and the procedure",
    "role_referent": "The organisation that supports you",
    "role_ccapex": "The CCAPEX, the eviction prevention committee, through the prefecture",
    "done_recu": "Thank you. We now know that you received this letter.",
    "done_rappel": "Noted: we will call you at the time you chose.",
    "done_telephone": "Thank you. Your new number is confirmed.",
    "done_adresse": "Thank you. Your new address will be checked before the next letter.",
    "done_accompagne": "Thank you. Noted: you already get support.",
    "done_sans_sms": "Noted: you will not receive any more text messages.",
    "error_slot": "Choose a time from the list.",
    "error_structure": "Choose an organisation from the list.",
    "error_code": "This code is wrong or has expired. Check the text message you received, or ask for a new code.",
    "error_phone": "This phone number is not valid.",
    "error_codes": "Too many codes were sent for this link. Please call one of the numbers below instead.",
    "error_address_lines": "Write the new address in 6 lines at most, with the postcode and the town.",
    "error_address_postal": "Write the number and street on one line, then the postcode and town on the last line "
                            "(for example: 44300 Nantes).",
}

_AR: dict[str, str] = {
    "title": "الرد على رسالتكم",
    "check_intro": "تلقّيتم رسالة أو رسالة نصية أو بريدًا إلكترونيًا بخصوص مسكنكم. تتيح لكم هذه الصفحة الرد دون "
                   "التنقل. لحماية معلوماتكم، أجيبوا أولًا عن سؤال واحد.",
    "check_label": "المرجع المكتوب على رسالتكم، أو سنة ميلادكم",
    "check_hint": "مثلًا: DOS-2026-00042، أو 1978",
    "continue": "متابعة",
    "wrong_answer": "هذه ليست الإجابة الصحيحة. تحقّقوا من المرجع المكتوب على رسالتكم.",
    "locked_title": "أخطاء كثيرة",
    "locked": "لحماية معلوماتكم، تم حظر هذا الرابط بعد عدة أخطاء. اتصلوا بالرقم المكتوب على رسالتكم وسنساعدكم.",
    "reply_to": "الرد على {sender}",
    "choose": "اختاروا ما تريدون إخبارنا به: يكفي رد واحد، ويمكنكم العودة لاحقًا.",
    "received": "لقد تسلّمت هذه الرسالة",
    "callback_title": "أريد أن يُعاد الاتصال بي",
    "callback_legend": "اختاروا الوقت الذي يمكننا فيه الاتصال بكم",
    "callback_button": "اتصلوا بي في هذا الوقت",
    "details_title": "تغيّرت بيانات الاتصال الخاصة بي",
    "code_label": "الرمز الذي وصلكم في رسالة نصية على رقمكم الجديد",
    "code_hint": "6 أرقام، صالح لمدة 15 دقيقة",
    "code_button": "تأكيد رقمي",
    "phone_label": "رقم هاتفي الجديد",
    "phone_hint": "نرسل إليكم رمزًا في رسالة نصية للتحقق منه.",
    "phone_button": "الحصول على رمز",
    "address_label": "عنواني الجديد",
    "address_hint": "الرقم والشارع، ثم الرمز البريدي والبلدية. سيتم التحقق منه قبل الرسالة القادمة.",
    "address_button": "إرسال عنواني الجديد",
    "followed_title": "أنا مُرافَق بالفعل",
    "followed_label": "من طرف أي جهة؟",
    "followed_empty": "اختيار جهة",
    "followed_button": "هذه هي الجهة",
    "no_sms": "لا أريد رسائل نصية بعد الآن",
    "next_title": "ماذا بعد؟",
    "contacts_title": "جهات اتصال مفيدة",
    "phone_word": "الهاتف",
    "address_word": "العنوان",
    "role_adil": "استشارة مجانية حول حقوقكم والإجراءات",
    "role_referent": "الجهة التي ترافقكم",
    "role_ccapex": "لجنة CCAPEX للوقاية من الطرد، عبر المحافظة",
    "done_recu": "شكرًا. نعلم الآن أنكم تسلّمتم هذه الرسالة.",
    "done_rappel": "تم التسجيل: سنتصل بكم في الوقت الذي اخترتموه.",
    "done_telephone": "شكرًا. تم تأكيد رقمكم الجديد.",
    "done_adresse": "شكرًا. سيتم التحقق من عنوانكم الجديد قبل الرسالة القادمة.",
    "done_accompagne": "شكرًا. تم التسجيل: أنتم مُرافَقون بالفعل.",
    "done_sans_sms": "تم التسجيل: لن تتلقّوا رسائل نصية بعد الآن.",
    "error_slot": "اختاروا وقتًا من القائمة.",
    "error_structure": "اختاروا جهة من القائمة.",
    "error_code": "هذا الرمز غير صحيح أو انتهت صلاحيته. تحقّقوا من الرسالة النصية، أو اطلبوا رمزًا جديدًا.",
    "error_phone": "رقم الهاتف هذا غير صالح.",
    "error_codes": "أُرسل عدد كبير من الرموز لهذا الرابط. اتصلوا بدلًا من ذلك بأحد الأرقام أدناه.",
    "error_address_lines": "اكتبوا العنوان الجديد في 6 أسطر على الأكثر، مع الرمز البريدي والبلدية.",
    "error_address_postal": "اكتبوا الرقم والشارع في سطر، ثم الرمز البريدي والبلدية في السطر الأخير "
                            "(مثلًا: 44300 Nantes).",
}

TEXTS: dict[str, dict[str, str]] = {FR: _FR, FALC: _FALC, EN: _EN, AR: _AR}

_DAYS = {EN: ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
         AR: ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")}
_MONTHS = {EN: ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"),
           AR: ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
                "ديسمبر")}


def slot_label(start: datetime, end: datetime, french: str, variant: str) -> str:
    """A call-back slot in the page's language: the French label as given, else « Tuesday 8 December, 9:00 to
    12:00 » / « الثلاثاء 8 ديسمبر، من 9:00 إلى 12:00 »."""
    if variant not in _DAYS:
        return french
    local, until = start.astimezone(PARIS), end.astimezone(PARIS)
    day, month = _DAYS[variant][local.weekday()], _MONTHS[variant][local.month - 1]
    hours = (f"{local.hour}:{local.minute:02d}", f"{until.hour}:{until.minute:02d}")
    if variant == EN:
        return f"{day} {local.day} {month}, {hours[0]} to {hours[1]}"
    return f"{day} {local.day} {month}، من {hours[0]} إلى {hours[1]}"


# The services' French refusals (campaigns/answers/replies.py) and the key of their text in every variant.
_SERVICE_ERRORS = {_FR[key]: key for key in ("error_phone", "error_codes", "error_address_lines",
                                              "error_address_postal", "error_structure", "error_slot")}


def error_text(french: str, variant: str) -> str:
    """A refusal of the services in the page's variant (the French text when it has no translation)."""
    key = _SERVICE_ERRORS.get(french)
    return TEXTS[variant][key] if key else french
