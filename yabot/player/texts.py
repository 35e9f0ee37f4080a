"""What the bot says outside the story, in English and Spanish."""
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "es")

_TEXTS: dict[str, dict[str, str]] = {
    "welcome": {
        "en": "Welcome, {name}. Diana's door is closed, but Lucien is watching you. Your story begins.",
        "es": "Bienvenido, {name}. La puerta de Diana está cerrada, pero Lucien te observa. Tu historia comienza.",
    },
    "welcome_back": {
        "en": "Welcome back, {name}. Your story continues where you left it.",
        "es": "Bienvenido de nuevo, {name}. Tu historia sigue donde la dejaste.",
    },
    "help": {
        "en": (
            "I am the narrator of Diana's story.\n"
            "/story - continue where you left off\n/menu - the main menu\n"
            "/profile - your emotional signature and progress\n/wallet - your besitos\n"
            "/daily - claim today's besitos\n/store - spend besitos\n/missions - missions and achievements\n/vip - become VIP\n"
            "/lang - switch between English and Spanish\n/help - this help"
        ),
        "es": (
            "Soy el narrador de la historia de Diana.\n"
            "/story - continúa donde lo dejaste\n/menu - el menú principal\n"
            "/profile - tu firma emocional y tu progreso\n/wallet - tus besitos\n"
            "/daily - reclama los besitos de hoy\n/store - gasta besitos\n/missions - misiones y logros\n/vip - hazte VIP\n"
            "/lang - cambia entre inglés y español\n/help - esta ayuda"
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
    "answer_thanks": {
        "en": "Lucien takes note of your words.",
        "es": "Lucien toma nota de tus palabras.",
    },
    "wallet": {
        "en": "You have {balance} besitos.",
        "es": "Tienes {balance} besitos.",
    },
    "wallet_movements": {"en": "Last movements:", "es": "Últimos movimientos:"},
    "wallet_empty": {"en": "No movements yet.", "es": "Aún no hay movimientos."},
    "daily_granted": {
        "en": "You received {amount} besitos. Streak: {streak} day(s). Balance: {balance}.",
        "es": "Recibiste {amount} besitos. Racha: {streak} día(s). Saldo: {balance}.",
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
}


def t(key: str, language: str, **values: Any) -> str:
    """The text ``key`` in ``language`` (English when missing), formatted with ``values``."""
    variants = _TEXTS[key]
    template = variants.get(language) or variants["en"]
    return template.format(**values) if values else template


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
