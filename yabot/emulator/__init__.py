"""A local Telegram Bot API server for tests, load tests and local play (`yabot emulator`).

Bot side, like api.telegram.org: ``GET|POST {base}/bot{token}/{method}`` with query, JSON,
form or multipart parameters, answering ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {"retry_after": s}}``.
Any token shaped ``123:abc`` is a bot (registered on first use). Methods: getMe, getUpdates,
setWebhook, deleteWebhook, getWebhookInfo, sendMessage, sendPhoto, editMessageText,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, createChatInviteLink, banChatMember,
unbanChatMember, getChatMember, sendInvoice, createInvoiceLink, answerPreCheckoutQuery,
refundStarPayment, setMyCommands, getMyCommands, deleteMyCommands.

Player side (JSON; ``bot_id`` is optional everywhere and defaults to the first bot):

- ``POST /_emulator/users`` ``{id, first_name, language_code?}``: create or update a user.
- ``POST /_emulator/users/{id}/messages`` ``{text}``: send a text/command; returns ``update_id``.
- ``POST /_emulator/users/{id}/press`` ``{message_id, data | text}``: press an inline button.
- ``GET /_emulator/callbacks/{query_id}?timeout=``: the bot's answerCallbackQuery.
- ``POST /_emulator/users/{id}/pay`` ``{message_id | invoice_link}``: pre_checkout_query, then
  (if the bot answers ok within 10 s) a successful_payment message; ``{"status": "paid", ...}``.
- ``POST /_emulator/users/{id}/join`` ``{invite_link}``; ``POST /_emulator/users/{id}/block``.
- ``GET /_emulator/chats/{chat_id}/messages?after_id=&timeout=&include_user=``: bot messages
  (current text, buttons, edits, deletion) after an id, long-polling up to ``timeout`` s.
- ``GET /_emulator/chats/{chat_id}/events?after=&timeout=``: the chat's change feed
  (``new``/``edit``/``delete``), long-polling.
- ``POST /_emulator/channels`` ``{id, title}``; ``GET /_emulator/channels/{id}`` (members).
- ``GET /_emulator/payments``; ``POST /_emulator/payments/{charge_id}/renew``.
- ``GET|PUT|DELETE /_emulator/faults``: injected 429/5xx/latency and flood control settings.
- ``GET /_emulator/calls?after_seq=&method=``: every Bot API call with its time, status and the
  429 it violated (if it came before that 429's retry_after ran out); ``GET /_emulator/stats``.
- ``GET /_emulator/bots``; ``GET /_emulator/webhook/attempts``; ``GET /metrics``.

The chat page is served at ``/chat``.
"""
