// Diana and the House of Mirrors / Diana y la Casa de los Espejos.
// An original mystery in English and Spanish, one source: every shown line is t(en, es), so
// both languages share one state and /lang can switch mid-story.
// Conventions: STORY_CONVENTIONS.md and stories/README.md. Chapters live in chNN.ink (INCLUDEd
// below). Tags: #chapter:N, #scene:<id>, #title, #emo:<trait>+<n>, #ask:<id> (+ hidden #answer),
// #branch:<id> / #consequence:<id>, #sig:<trait>, #gate:vip, #gate:resonance:<t>, #ending:<id>.

// ── Written by the bot before every turn ──
VAR lang = "en"
VAR address = "n"
VAR is_vip = false
VAR besitos = 0
VAR resonance = 0.0
VAR mood = "neutral"
VAR dominant = "none"
VAR arch_explorer = 0.0
VAR arch_direct = 0.0
VAR arch_poet = 0.0
VAR arch_empath = 0.0
VAR arch_persistent = 0.0

// ── Written by the bot after a typed answer (see STORY_CONVENTIONS.md) ──
VAR answer_polarity = "neutral"
VAR answer_emotion = "none"
VAR answer_intensity = "low"
VAR answer_kind = "normal"
VAR why_here_quote = ""
VAR why_here_polarity = ""
VAR why_here_kind = ""
VAR note_to_diana_quote = ""
VAR note_to_diana_kind = ""
VAR a_true_thing_quote = ""
VAR a_true_thing_polarity = ""
VAR a_true_thing_kind = ""
VAR protective_lie_quote = ""
VAR protective_lie_polarity = ""
VAR protective_lie_kind = ""
VAR what_you_miss_quote = ""
VAR what_you_miss_kind = ""
VAR seen_unwatched_quote = ""
VAR seen_unwatched_kind = ""

// ── The story's own memory ──
VAR trust = 0            // Lucien
VAR closeness = 0        // Diana
VAR seal = ""            // 1_01: "direct" | "studied" | "read"
VAR riddle = ""          // 1_07: "mirror" | "window" | "back"
VAR music = ""           // 2_06: "respected" | "hummed" | "followed"
VAR initials = ""        // 2_05: "memorised" | "asked" | "ignored"
VAR key_offered = false  // 2_09
VAR rose_worn = false    // 2_08
VAR secret_shared = false // 3_04
VAR letter = "sealed"    // 3_09: "sealed" | "candle" | "opened"
VAR garden_question = "" // 4_03: "portrait" | "fear" | "paint" | "age"
VAR brush = ""           // 4_06: "shown" | "hidden" | "lucien"
VAR silk = ""            // 5_05: "lifted" | "asked" | "left"
VAR lucien_answer = ""   // 5_07: "comfort" | "truth"
VAR collector = ""       // 7_06: "lied" | "truth" | "diana"
VAR sitting = ""         // 8_04: "still" | "talk"
VAR kept = ""            // 9_08: "portrait" | "key" | "letter" | "mirrors"

EXTERNAL vip()
EXTERNAL reward(amount)
EXTERNAL unlock(item)
EXTERNAL has_item(item)

INCLUDE ch01.ink
INCLUDE ch02.ink
INCLUDE ch03.ink
INCLUDE ch04.ink
INCLUDE ch05.ink
INCLUDE ch06.ink
INCLUDE ch07.ink
INCLUDE ch08.ink
INCLUDE ch09.ink
INCLUDE ch10.ink

-> chapter_1

=== function vip()
~ return is_vip

=== function reward(amount)
~ return

=== function unlock(item)
~ return

=== function has_item(item)
~ return false

=== function t(en, es)
{ lang == "es":
    ~ return es
- else:
    ~ return en
}

// The Spanish form for how the player asked to be addressed ("m", "f", or neutral "n").
// Prefer neutral phrasing; use this only where Spanish leaves no neutral way.
=== function g(m, f, n)
{ address:
- "m":
    ~ return m
- "f":
    ~ return f
- else:
    ~ return n
}

// A player's own words for recall (the engine fills <id>_quote); "…" when there are none.
=== function said(quote)
{ quote == "":
    ~ return "…"
- else:
    ~ return quote
}
