"""What the bot says about besitos, missions, the store, VIP and admin commands (en/es)."""
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

_TEXTS: dict[str, dict[str, str]] = {
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
        "en": "VIP opens the Night Garden and the Mirror Room (chapters {chapters}) and Diana's private channel.",
        "es": "VIP abre el Jardín nocturno y la Sala de los espejos (capítulos {chapters}) y el canal privado de Diana.",
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
        "en": "Your VIP ends in {days} day(s), on {until}. Send /vip to extend it.",
        "es": "Tu VIP termina en {days} día(s), el {until}. Envía /vip para extenderlo.",
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
    "payment_unknown_tier": {
        "en": "We received your payment of {stars} ⭐ and activated VIP.",
        "es": "Recibimos tu pago de {stars} ⭐ y activamos VIP.",
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
}


def tx(key: str, language: str, **values: Any) -> str:
    """The text ``key`` in ``language`` (English when missing), formatted with ``values``."""
    variants = _TEXTS[key]
    template = variants.get(language) or variants["en"]
    return template.format(**values) if values else template
