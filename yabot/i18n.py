"""Every text the bot says outside the story, in English and Spanish: one table, one lookup.

``t(key, lang, **values)`` formats the text; English stands in for a missing language. A count's
noun is written ``{name|one|other}``: "one" when the value ``name`` is 1, else "other" (the rule
of both languages). The story's own lines live in the ink source (``t("English", "Español")``),
not here.
"""
# ruff: noqa: E501

from __future__ import annotations

import re
from typing import Any

LANGUAGES = ("en", "es")
ADDRESSES = ("f", "m", "n")

_TEXTS: dict[str, dict[str, str]] = {
    # ---- the player's commands ----
    "welcome": {
        "en": "Welcome, {name}. Diana's door is closed, but Lucien is watching you. Your story begins.",
        "es": "Te damos la bienvenida, {name}. La puerta de Diana está cerrada, pero Lucien te observa. Tu historia comienza. (La historia te habla en neutro; con /lang puedes pedir femenino o masculino.)",
    },
    "welcome_back": {
        "en": "Welcome back, {name}. Your story continues where you left it.",
        "es": "Qué alegría verte de nuevo, {name}. Tu historia sigue donde la dejaste.",
    },
    "help": {
        "en": (
            "I am the narrator of Diana's story.\n"
            "/story - continue where you left off\n/menu - the main menu\n"
            "/profile - your emotional signature and progress\n/wallet - your besitos\n"
            "/daily - claim today's besitos\n/store - spend besitos\n/missions - missions and achievements\n/vip - become VIP\n"
            "/chapters - replay a chapter you finished\n"
            "/lang - switch between English and Spanish (and how Spanish addresses you)\n"
            "/help - this help"
        ),
        "es": (
            "Soy el narrador de la historia de Diana.\n"
            "/story - continúa donde lo dejaste\n/menu - el menú principal\n"
            "/profile - tu firma emocional y tu progreso\n/wallet - tus besitos\n"
            "/daily - reclama los besitos de hoy\n/store - gasta besitos\n/missions - misiones y logros\n/vip - hazte VIP\n"
            "/chapters - repite un capítulo que ya terminaste\n"
            "/lang - cambia entre inglés y español (y cómo te trata la historia)\n"
            "/help - esta ayuda"
        ),
    },
    "menu": {
        "en": "What would you like to do?",
        "es": "¿Qué quieres hacer?",
    },
    "menu_story": {"en": "Continue the story", "es": "Seguir la historia"},
    "menu_profile": {"en": "My profile", "es": "Mi perfil"},
    "menu_wallet": {"en": "Besitos", "es": "Besitos"},
    "menu_daily": {"en": "Daily gift", "es": "Regalo diario"},
    "menu_missions": {"en": "Missions", "es": "Misiones"},
    "menu_store": {"en": "Store", "es": "Tienda"},
    "menu_vip": {"en": "VIP", "es": "VIP"},
    "lang_switched": {
        "en": "From now on I will tell the story in English.",
        "es": "A partir de ahora te contaré la historia en español.",
    },
    "unknown": {
        "en": "I didn't quite understand that. Tap a choice to go on, or try /story, /menu or /help.",
        "es": "No he entendido eso. Pulsa una opción para seguir, o prueba /story, /menu o /help.",
    },
    "unknown_command": {
        "en": "I don't know the command {command}. Try /help.",
        "es": "No conozco el comando {command}. Prueba /help.",
    },
    "stale_choice": {
        "en": "This moment has passed.",
        "es": "Ese momento ya pasó.",
    },
    "story_ended": {
        "en": "You have reached the end of the story so far. Thank you for playing. /start begins again.",
        "es": "Has llegado al final de la historia por ahora. Gracias por jugar. /start empieza de nuevo.",
    },
    "wallet": {
        "en": "You have {balance} besitos.",
        "es": "Tienes {balance} besitos.",
    },
    "wallet_movements": {"en": "Last movements:", "es": "Últimos movimientos:"},
    "wallet_empty": {"en": "No movements yet.", "es": "Aún no hay movimientos."},
    "daily_granted": {
        "en": "You received {amount} besitos. Streak: {streak} {streak|day|days}. Balance: {balance}.",
        "es": "Recibiste {amount} besitos. Racha: {streak} {streak|día|días}. Saldo: {balance}.",
    },
    "daily_refused": {
        "en": "You already claimed today's gift. Come back in {left}.",
        "es": "Ya reclamaste el regalo de hoy. Vuelve en {left}.",
    },
    "reward": {
        "en": "+{amount} besitos ({reason}). Balance: {balance}.",
        "es": "+{amount} besitos ({reason}). Saldo: {balance}.",
    },
    "error": {
        "en": "Something went wrong on our side. Your progress is safe; please try again.",
        "es": "Algo falló de nuestro lado. Tu progreso está a salvo; inténtalo de nuevo.",
    },
    # ---- besitos, missions, store, VIP, admin ----
    "mission_done": {
        "en": "🏅 Mission complete: {title}. +{reward} besitos (balance {balance}).",
        "es": "🏅 Misión cumplida: {title}. +{reward} besitos (saldo {balance}).",
    },
    "missions_title": {"en": "Achievements:", "es": "Logros:"},
    "missions_week": {
        "en": "This week's missions ({week}):",
        "es": "Misiones de esta semana ({week}):",
    },
    "missions_none": {"en": "No missions are configured.", "es": "No hay misiones configuradas."},
    "store_title": {
        "en": "Store · you have {balance} besitos. Tap to buy:",
        "es": "Tienda · tienes {balance} besitos. Toca para comprar:",
    },
    "store_empty": {"en": "The store is empty for now.", "es": "La tienda está vacía por ahora."},
    "store_unknown": {
        "en": "That item is no longer sold. Send /store to see what is.",
        "es": "Ese artículo ya no se vende. Envía /store para ver lo que hay.",
    },
    "store_owned": {
        "en": "You already own {title}; nothing was charged.",
        "es": "Ya tienes {title}; no se te cobró nada.",
    },
    "store_poor": {
        "en": "{title} costs {price} besitos and you have {balance}. Nothing was charged; try /daily or the story to earn more.",
        "es": "{title} cuesta {price} besitos y tienes {balance}. No se te cobró nada; prueba /daily o la historia para ganar más.",
    },
    "store_bought": {
        "en": "You bought {title} for {price} besitos. Balance: {balance}.",
        "es": "Compraste {title} por {price} besitos. Saldo: {balance}.",
    },
    "vip_offer": {
        "en": "VIP opens chapters {chapters} (the Night Garden, the Mirror Room and everything after them, to the endings) and Diana's private channel.",
        "es": "VIP abre los capítulos {chapters} (el Jardín nocturno, la Sala de los espejos y todo lo que viene después, hasta los finales) y el canal privado de Diana.",
    },
    "vip_active": {
        "en": "You are VIP until {until}. You can extend it below.",
        "es": "Eres VIP hasta el {until}. Puedes extenderlo abajo.",
    },
    "vip_welcome": {
        "en": "⭐ You are VIP until {until}. The garden gate is open: /story to go on.",
        "es": "⭐ Eres VIP hasta el {until}. La verja del jardín está abierta: /story para seguir.",
    },
    "vip_extended": {
        "en": "⭐ Your VIP is extended until {until}.",
        "es": "⭐ Tu VIP se extiende hasta el {until}.",
    },
    "vip_subscribe": {
        "en": "Or subscribe and let it renew every 30 days (cancel any time in Telegram): {link}",
        "es": "O suscríbete y deja que se renueve cada 30 días (cancela cuando quieras en Telegram): {link}",
    },
    "vip_subscribe_button": {"en": "⭐ Subscribe monthly", "es": "⭐ Suscripción mensual"},
    "vip_invite": {
        "en": "Your personal invite to Diana's private channel (one person only): {link}",
        "es": "Tu invitación personal al canal privado de Diana (solo para ti): {link}",
    },
    "vip_invite_failed": {
        "en": "I could not create your channel invite just now. Send /vip to get a new one.",
        "es": "No pude crear tu invitación al canal ahora. Envía /vip para recibir una nueva.",
    },
    "vip_reminder": {
        "en": "Your VIP ends in {days} {days|day|days}, on {until}. Send /vip to extend it.",
        "es": "Tu VIP termina en {days} {days|día|días}, el {until}. Envía /vip para extenderlo.",
    },
    "vip_expired": {
        "en": "Your VIP has ended. The VIP chapters and the private channel are closed; /vip opens them again.",
        "es": "Tu VIP ha terminado. Los capítulos VIP y el canal privado están cerrados; /vip los abre de nuevo.",
    },
    "vip_refunded": {
        "en": "Your payment of {stars} ⭐ was refunded and your VIP has ended.",
        "es": "Tu pago de {stars} ⭐ fue reembolsado y tu VIP ha terminado.",
    },
    "vip_revoked": {
        "en": "Your VIP was ended by an administrator.",
        "es": "Un administrador ha terminado tu VIP.",
    },
    "vip_locked": {
        "en": "This chapter is for VIP members. Your place is kept: become VIP to go on.",
        "es": "Este capítulo es para miembros VIP. Tu lugar se guarda: hazte VIP para seguir.",
    },
    "vip_button": {"en": "⭐ Become VIP", "es": "⭐ Hazte VIP"},
    "checkout_invalid": {
        "en": "This offer is no longer valid. Send /vip for a new one.",
        "es": "Esta oferta ya no es válida. Envía /vip para recibir una nueva.",
    },
    "payment_rejected": {
        "en": "We received a payment of {stars} ⭐ that matches no offer we made, so it "
        "activated nothing. It is recorded and an administrator can refund it. Send /vip for "
        "a valid offer.",
        "es": "Recibimos un pago de {stars} ⭐ que no corresponde a ninguna oferta nuestra, así "
        "que no activó nada. Queda registrado y un administrador puede reembolsarlo. Envía /vip "
        "para recibir una oferta válida.",
    },
    "admin_only": {
        "en": "/{command} is for administrators.",
        "es": "/{command} es solo para administradores.",
    },
    "admin_usage": {"en": "Usage: {usage}", "es": "Uso: {usage}"},
    "admin_sent": {
        "en": "Sent /{command} to player {user_id}.",
        "es": "Enviado /{command} al jugador {user_id}.",
    },
    "admin_credited": {
        "en": "An administrator adjusted your besitos: {amount:+d} ({reason}). Balance: {balance}.",
        "es": "Un administrador ajustó tus besitos: {amount:+d} ({reason}). Saldo: {balance}.",
    },
    # ---- the story's frame (yabot.narrative.render) ----
    "story_stale": {
        "en": "This moment has passed. Your story continues in the latest message.",
        "es": "Este momento ya pasó. Tu historia sigue en el último mensaje.",
    },
    "story_ask": {
        "en": "✍️ Write your answer in the chat.",
        "es": "✍️ Escribe tu respuesta en el chat.",
    },
    "story_vip": {"en": "⭐ Become VIP", "es": "⭐ Hazte VIP"},
    "story_end": {"en": "— The end (for now) —", "es": "— Fin (por ahora) —"},
    "story_menu": {"en": "☰ Menu", "es": "☰ Menú"},
    "gate_vip": {
        "en": "🔒 This door opens for VIP members. Your place is kept: /vip opens it, and the story goes on from here.",
        "es": "🔒 Esta puerta se abre para miembros VIP. Tu lugar se guarda: /vip la abre y la historia sigue desde aquí.",
    },
    "gate_resonance": {
        "en": "🔒 Resonance {have}% of the {need}% this door needs.",
        "es": "🔒 Resonancia {have}% de los {need}% que pide esta puerta.",
    },
    "gate_resonance_open": {
        "en": "🔓 Resonance {have}%: enough for this door. Try it again.",
        "es": "🔓 Resonancia {have}%: suficiente para esta puerta. Vuelve a intentarlo.",
    },
    "gate_resonance_help": {
        "en": "What helps: answering the questions in your own words, choosing what is true to you, and coming back on another day (each day you return counts).",
        "es": "Lo que ayuda: responder a las preguntas con tus propias palabras, elegir lo que de verdad sientes y volver otro día (cada día que vuelves cuenta).",
    },
    "sig_mark": {"en": "✦ ", "es": "✦ "},
    # ---- profile ----
    "profile_progress": {
        "en": "Chapter {c} · {s} {s|scene read|scenes read} · {b} besitos · {tier}",
        "es": "Capítulo {c} · {s} {s|escena leída|escenas leídas} · {b} besitos · {tier}",
    },
    "tier_vip": {"en": "VIP", "es": "VIP"},
    "tier_free": {"en": "free", "es": "gratis"},
    "friend": {"en": "friend", "es": "alma viajera"},
    # ---- language and address (/lang) ----
    "lang_choose": {
        "en": "Which language shall I tell the story in?",
        "es": "¿En qué idioma te cuento la historia?",
    },
    "lang_usage": {
        "en": "/lang en or /lang es switches the language (/lang alone toggles it); in Spanish, "
        "/lang es f, m or n also sets how the story addresses you.",
        "es": "/lang es o /lang en cambia el idioma (/lang a secas lo alterna); en español, "
        "/lang es f, m o n también elige cómo te trata la historia.",
    },
    "lang_en": {"en": "English", "es": "English"},
    "lang_es": {"en": "Español", "es": "Español"},
    "address_ask": {
        "en": "In Spanish, how shall the story address you? Neutral is the default; you can change it any time with /lang.",
        "es": "¿Cómo prefieres que la historia te trate? Por defecto uso un trato neutro; puedes cambiarlo cuando quieras con /lang.",
    },
    "address_f": {"en": "Feminine (lista)", "es": "En femenino (lista)"},
    "address_m": {"en": "Masculine (listo)", "es": "En masculino (listo)"},
    "address_n": {"en": "Neutral (preparade)", "es": "Neutro (preparade)"},
    "address_set_f": {
        "en": "Understood: the Spanish story will address you in the feminine.",
        "es": "Entendido: la historia te tratará en femenino.",
    },
    "address_set_m": {
        "en": "Understood: the Spanish story will address you in the masculine.",
        "es": "Entendido: la historia te tratará en masculino.",
    },
    "address_set_n": {
        "en": "Understood: the Spanish story will address you in neutral forms.",
        "es": "Entendido: la historia te tratará con formas neutras.",
    },
    # ---- chapters (/chapters) ----
    "chapters_title": {
        "en": "Chapters you have finished. Replaying one takes you back to its start; rewards you already received are not paid again.",
        "es": "Capítulos que ya terminaste. Repetir uno te lleva a su comienzo; las recompensas que ya recibiste no se pagan de nuevo.",
    },
    "chapters_none": {
        "en": "You have not finished a chapter yet. /story goes on where you are.",
        "es": "Aún no has terminado ningún capítulo. /story sigue donde estás.",
    },
    "chapters_button": {"en": "Replay chapter {n}", "es": "Repetir el capítulo {n}"},
    "chapters_unknown": {
        "en": "That chapter cannot be replayed. Send /chapters to see the ones you finished.",
        "es": "Ese capítulo no se puede repetir. Envía /chapters para ver los que terminaste.",
    },
    "menu_chapters": {"en": "Chapters", "es": "Capítulos"},
    "chapter_word": {"en": "Chapter", "es": "Capítulo"},
    # ---- ledger reasons (/wallet) ----
    "reason_daily": {"en": "daily gift", "es": "regalo diario"},
    "reason_story": {"en": "story reward", "es": "recompensa de la historia"},
    "reason_mission": {"en": "mission: {title}", "es": "misión: {title}"},
    "reason_store": {"en": "store: {title}", "es": "tienda: {title}"},
    "reason_admin": {"en": "adjustment: {reason}", "es": "ajuste: {reason}"},
}


_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")


def t(key: str, language: str, **values: Any) -> str:
    """The text ``key`` in ``language`` (English when missing), formatted with ``values``."""
    variants = _TEXTS[key]
    template = variants.get(language) or variants["en"]
    if not values:
        return template
    if "|" in template:
        template = _PLURAL.sub(lambda m: m[2] if values.get(m[1]) == 1 else m[3], template)
    return template.format(**values)


def has_text(key: str) -> bool:
    """Whether ``key`` names a text of the table."""
    return key in _TEXTS


def text_keys() -> list[str]:
    """Every key of the table, sorted (for tests that check both languages are present)."""
    return sorted(_TEXTS)


def variants(key: str) -> dict[str, str]:
    """The text ``key`` in every language it has."""
    return dict(_TEXTS[key])


def pick_language(language_code: str | None, default: str) -> str:
    """Map a Telegram ``language_code`` (e.g. ``es-AR``) to a supported language."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def format_duration(seconds: int, language: str) -> str:
    """A short human duration such as ``5h 12m``."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else "<1m"
