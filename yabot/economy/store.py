"""The store: spend besitos on items the story checks (``has_item``) and on hints.

``/store`` lists what is sold with one inline button per article (``s:<id>``); pressing one
buys it inside the player's actor: the debit, the item and the purchase event are one
transaction, and a balance that is too small refuses the purchase with nothing charged.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter

from yabot.config import StoreItemSpec
from yabot.i18n import t as tx
from yabot.observability.logging import get_logger
from yabot.player.outcome import Txn

log = get_logger(__name__)

BUY_PREFIX = "s:"
PURCHASES = Counter(
    "yabot_store_purchases_total", "Store purchase attempts by outcome", ["outcome"]
)


class Store:
    """The configured articles."""

    def __init__(self, items: Sequence[StoreItemSpec]) -> None:
        self.items = {item.id: item for item in items}

    @staticmethod
    def title(item: StoreItemSpec, lang: str) -> str:
        """The article's name in ``lang``."""
        return item.title_es if lang == "es" else item.title_en

    def show(self, txn: Txn) -> None:
        """Send the catalogue with a buy button per article."""
        if not self.items:
            txn.say(tx("store_empty", txn.lang))
            return
        owned = set(txn.state.economy.items)
        rows = []
        for item in self.items.values():
            mark = "✅ " if item.kind == "item" and item.id in owned else ""
            text = f"{mark}{self.title(item, txn.lang)} · {item.price} besitos"
            rows.append([{"text": text, "callback_data": BUY_PREFIX + item.id}])
        txn.say(
            tx("store_title", txn.lang, balance=txn.state.economy.balance),
            {"inline_keyboard": rows},
        )

    def buy(self, txn: Txn, item_id: str) -> bool:
        """Buy ``item_id``; every refusal tells the player why and charges nothing.

        Returns:
            True when the purchase was made.
        """
        item = self.items.get(item_id)
        lang = txn.lang
        if item is None:
            PURCHASES.labels("unknown_item").inc()
            log.info("store.unknown_item")
            txn.say(tx("store_unknown", lang))
            return False
        title = self.title(item, lang)
        eco = txn.state.economy
        if item.kind == "item" and item.id in eco.items:
            PURCHASES.labels("already_owned").inc()
            log.info("store.already_owned", item=item.id)
            txn.say(tx("store_owned", lang, title=title))
            return False
        if not txn.debit(item.price, f"store: {item.id}"):
            PURCHASES.labels("insufficient_funds").inc()
            log.info(
                "store.insufficient_funds", item=item.id, price=item.price, balance=eco.balance
            )
            txn.say(tx("store_poor", lang, title=title, price=item.price, balance=eco.balance))
            return False
        if item.kind == "item":
            txn.unlock(item.id)
        PURCHASES.labels("bought").inc()
        text = item.text_es if lang == "es" else item.text_en
        message = tx("store_bought", lang, title=title, price=item.price, balance=eco.balance)
        txn.say(f"{message}\n\n{text}" if text else message)
        return True
