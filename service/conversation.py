"""Conversation rules: who texted what, in what state → a Decision.

Pure: plain values in, a plain Decision out. The adapter (service/inbox.py)
loads the state, applies the decision and sends what it says.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from service import commands, signup
from service.commands import Command
from service.mood import CRISIS, CRISIS_MODEL_REASON, LOW, OK, OK_FROM, UNCLEAR, Mood, score, score_rules

# Twilio answers these itself on long codes and toll-free numbers (TWILIO.md),
# so we record the opt-out and add no confirmation of our own.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
YES_WORDS = frozenset({"YES", "Y", "YEP", "YEAH", "YES PLEASE", "SURE", "I AGREE", "AGREE"})
NO_WORDS = frozenset({"NO", "N", "NOPE", "NO THANKS"})
# How long after a crisis her replies are answered in its light (conversation._member_decision).
AFTER_CRISIS = timedelta(hours=24)
# In the day after a crisis, words that say it is happening: a means, taking it, a goodbye.
_AFTER_CRISIS_SIGNS = re.compile(
    r"\b(?:took|taken|swallowed|did it|done it|pills?|tablets?|meds|bottle|rope|knife|blade|razor|bridge|"
    r"gun|bye|goodbye|farewell|too late|it'?s done|it'?s over)\b", re.IGNORECASE)
# "sorry, I meant 4", "oops 4 not 2", "*4", "typo: 2": her rating put right soon after she gave it.
CORRECTION_WINDOW = timedelta(hours=3)
_RATING_AHEAD = r"(?=(?:it'?s\s+)?(?:a\s+)?(?:[0-5]|one|two|three|four|five)\b)"
_CORRECTION = re.compile(
    r"^\W*?(?:\*\s*" + _RATING_AHEAD +
    r"|(?:(?:sorry|soz|oops|whoops|oh|ah|wait|actually|my bad)\W+)*(?:i\s+)?(?:meant|mean|should\s+(?:be|have\s+been|say))\b\W*"
    r"|(?:sorry|soz|oops|whoops|typo|correction|my bad)\W+" + _RATING_AHEAD + ")",
    re.IGNORECASE)


FOLLOW_ON = timedelta(minutes=10)


def is_correction(text: str) -> bool:
    """Whether the text reads as putting right the rating she just gave (the adapter then loads it)."""
    return bool(_CORRECTION.match(text))


# Acknowledgements nobody would send as her own mood.
_CLEAR_ACKS = frozenset({"ON IT", "WILL DO", "GOT IT", "ON MY WAY"})
ACK_WORDS = frozenset({"OK", "OKAY", "K", "ON IT", "WILL DO", "DONE", "👍", "GOT IT", "ON MY WAY"})
# The law treats any reasonable request as an opt-out, not only the keywords.
_PLAIN_OPT_OUT = re.compile(
    r"\b(stop|quit|don'?t|do not|no more)\b.{0,20}\b(text|texting|messag\w*|contact\w*)\b.{0,12}\b(me|anymore|any more)\b"
    r"|\b(take|remove)\s+me\s+(off|from)\b|\bunsubscribe\b|\bleave me alone\b"
    r"|\bstop\s+(sending|texting|messaging|contacting)\b"
    r"|\b(don'?t|do not|dont)\s+want\s+(these|your|any|the|this|more)?\s*(texts?|messages?|check[\s-]?ins?)\b"
    r"|\bno more\s+(texts?|messages?|check[\s-]?ins?)\b"
    r"|\b(cancel|end)\s+(my|the|this)\s+(subscription|membership|account|sign[\s-]?up)\b"
    r"|\bopt[\s-]?(me\s+)?out\b|^\W*(please\s+)?remove me\W*(please)?\W*$",
    re.IGNORECASE,
)
# "STOP please", "stop it", "Stop 🛑": a stop word with nothing but courtesy around it. Not "stop
# buddy alerts" (a command) nor "can't stop crying" (her day).
_COURTESY = frozenset({"PLEASE", "PLS", "PLZ", "IT", "NOW", "THANKS", "THANK", "YOU", "THX", "TY", "ALL", "THIS",
                       "THESE", "ASAP", "OK", "OKAY", "NOW", "RIGHT", "JUST"})


@dataclass(frozen=True)
class MemberState:
    id: int
    name: str
    status: str  # pending / active / paused / opted_out
    has_open_checkin: bool = False
    followup_asked: bool = False
    pending_delete: bool = False
    # Scores of her answered check-ins in the last 14 days, most recent first (for trends).
    recent_scores: tuple[float, ...] = ()
    # A reply of hers read as a crisis in the last AFTER_CRISIS hours.
    recent_crisis: bool = False
    # The level of the check-in she answered in the last CORRECTION_WINDOW (after any check-in still
    # open), when her text reads as a correction (is_correction): the answer she may be putting right.
    answered_level: str | None = None
    # Days since her YES: the everyday answers take turns by it (texts.day_turn).
    day: int = 0
    # She texted us within FOLLOW_ON before this text, and whether she has had "thank you for telling
    # me more" since: a story told over several texts gets one answer, not one canned reply per text.
    texting_now: bool = False
    told_more: bool = False


@dataclass(frozen=True)
class BuddyRole:
    id: int
    name: str
    member_name: str
    consent: str  # invited / accepted / declined / stopped
    open_alert: bool = False
    # When her newest open alert for this mom was raised: an OK answers the newest.
    alerted_at: datetime | None = None
    crisis: bool = False  # a crisis alert for this mom is among those open


@dataclass(frozen=True)
class Inbound:
    text: str
    member: MemberState | None = None
    buddy_roles: tuple[BuddyRole, ...] = ()
    opt_out_type: str | None = None  # Twilio's OptOutType, when Advanced Opt-Out is on
    signup: signup.SignupState | None = None  # a stranger's JOIN dialogue in progress
    phone_zones: tuple[str, ...] = ()
    operator: bool = False  # the number is OPERATOR_ALERT_PHONE
    region: str = "US"  # her number's country: a buddy's number may be written the local way


@dataclass(frozen=True)
class Decision:
    intent: str
    reply: str | None = None  # a template kind
    reply_vars: dict[str, str] = field(default_factory=dict)
    mood: Mood | None = None
    buddy_ids: tuple[int, ...] = ()
    alert_level: str | None = None  # low / crisis: alert her buddies
    command: Command | None = None
    turn: signup.Turn | None = None
    cancel_delete: bool = False
    # Her reply puts right the rating of the check-in she just answered (MemberState.answered_level).
    corrects: bool = False
    variant: int = 0  # which wording of the reply (texts.render)


def keyword(text: str) -> str:
    """'  Stop! ' → 'STOP': case, outer spaces and punctuation ignored, inner spaces folded."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.strip().strip(".,!?;:'\"()[]-*~ \t\r\n")
    return " ".join(text.split()).upper()


def is_opt_out(text: str, opt_out_type: str | None = None) -> bool:
    word = keyword(text)
    return (opt_out_type or "").upper() == "STOP" or word in STOP_WORDS or _stop_with_courtesy(word) or bool(
        _PLAIN_OPT_OUT.search(text or "")
    )


def _stop_with_courtesy(word: str) -> bool:
    tokens = [t.strip(".,!?;:'\"()") for t in word.split()]
    return any(t in STOP_WORDS for t in tokens) and all(
        t in STOP_WORDS or t in _COURTESY or not any(c.isalnum() for c in t) for t in tokens)


def decide(inbound: Inbound) -> Decision:
    # Crisis screening comes first, for anyone, in any state: nothing a
    # keyword or a consent state says may delay crisis resources.
    mood = score(inbound.text)
    if mood.reasons and mood.reasons[0] == CRISIS_MODEL_REASON and not _read_as_her_reply(inbound):
        mood = score_rules(inbound.text)
    if mood.level == CRISIS:
        member = inbound.member
        alert = member is not None and member.status != "opted_out"
        return Decision("crisis", reply="crisis_reply", mood=mood, alert_level=CRISIS if alert else None)
    word = keyword(inbound.text)
    if is_opt_out(inbound.text, inbound.opt_out_type):
        plain = word not in STOP_WORDS and not inbound.opt_out_type
        return Decision("opt_out", reply="opt_out_confirm" if plain else None,
                        buddy_ids=tuple(b.id for b in inbound.buddy_roles))
    if word in START_WORDS or (inbound.opt_out_type or "").upper() == "START":
        return Decision("opt_in", buddy_ids=tuple(b.id for b in inbound.buddy_roles))
    if word in HELP_WORDS or (inbound.opt_out_type or "").upper() == "HELP":
        return Decision("help", reply="help")
    own_words_waiting = inbound.member is not None and inbound.member.status != "opted_out" and (
        inbound.member.has_open_checkin or inbound.member.status == "pending" or inbound.member.pending_delete)
    buddy = _buddy_decision(word, inbound.buddy_roles, own_words_waiting=own_words_waiting)
    if buddy is not None:
        return buddy
    if inbound.member is not None:
        return _member_decision(inbound, word, inbound.member, mood)
    if inbound.buddy_roles and inbound.signup is None and not _is_join(inbound.text, inbound.region):
        return _buddy_chat(inbound.buddy_roles)  # a buddy may JOIN as a mom herself, like anyone
    if inbound.operator:
        # The on-duty operator answering an alert: never the stranger's "not enrolled" reply.
        if word in ACK_WORDS or word in YES_WORDS or _says_ack(word) or re.fullmatch(r"#?\d{1,9}", word):
            return Decision("operator_ack", reply="operator_ack")  # "#4": the number its texts gave
        return Decision("operator_chat", reply="operator_chat")
    return _stranger_decision(inbound)


# A buddy's answer in her own words: "Yes of course!", "Sure, happy to help", "ok calling her now",
# "Called her, she's safe". Read only when this number has no check-in of its own waiting, and never
# when it says it cannot ("ok but I'm at work, can't call"): a wrong acknowledgement would stop a
# crisis reaching the operator and tell the mom someone is coming.
_YES_START = re.compile(r"(?:ACTUALLY,? |OH,? |UM+,? |WELL,? )?(?:YES|YEP|YEAH|YA|SURE|OK|OKAY|ABSOLUTELY|DEFINITELY|"
                        r"OF COURSE|OFC|COUNT ME IN|HAPPY TO|I'?D LOVE TO|I WOULD LOVE TO|I'?D BE HAPPY TO)\b")
_EXPLICIT_YES = re.compile(r"(?:YES|YEP|YEAH)\b")
_ACK_START = re.compile(r"(?:OK|OKAY|K|YES|YEP|YEAH|ON IT|WILL DO|DONE|GOT IT|ON MY WAY|👍)(?![A-Z])")
_ACK_PHRASE = re.compile(r"\b(?:CALLING|CALLED|CALL(?:ING)? HER|PHONED|PHONING|TEXTED|TEXTING|TALKED TO|TALKING TO|SPOKE TO|"
                         r"SPEAKING TO|REACHED|WITH HER|ON MY WAY|HEADING OVER|GOING OVER|GOING TO CALL|WILL CALL|"
                         r"I'?LL CALL|CHECKED ON|CHECKING ON|SHE'?S SAFE|SHE IS SAFE|SHE'?S OK)\b")
_CANNOT = re.compile(r"\b(?:CAN'?T|CANNOT|COULDN'?T|WON'?T|NOT|NO|UNABLE|BUSY|LATER|WHO|WHAT|WHY|STOP|NEVER|SORRY)\b|\?")


# A buddy who cannot reach out, or tried and could not get through.
_CANT_REACH = re.compile(
    r"\b(?:CAN'?T|CANNOT|COULDN'?T|UNABLE TO|NOT ABLE TO|WON'?T BE ABLE TO)\b[^.!?]{0,25}"
    r"\b(?:CALL|TEXT|REACH|GET TO|GET THROUGH|GO|TALK|MAKE IT|HELP|DO IT|RIGHT NOW|TODAY|TONIGHT)\b"
    r"|\bWON'?T BE ABLE\b|\bAT WORK\b|\bTOO BUSY\b|\bI'?M BUSY\b|\bNOT AVAILABLE\b|\bOUT OF (?:TOWN|THE COUNTRY)\b"
    r"|\bNO ANSWER\b|\bDIDN'?T (?:ANSWER|PICK UP)\b|\bNOT (?:ANSWERING|PICKING UP)\b|\bVOICE ?MAIL\b")


def _read_as_her_reply(inbound: Inbound) -> bool:
    """Whether the learned second opinion may make this text a crisis. It learned from moms' replies
    to a check-in: a buddy's "calling her now, want to make sure she's safe", a stranger's question,
    and a request about the service itself ("I don't want these texts anymore", "can I take a
    break from the texts?") are read by the rules alone, which still catch any crisis said in them."""
    member = inbound.member
    if member is None or member.status == "opted_out":
        return False
    text = inbound.text
    return not (is_opt_out(text, inbound.opt_out_type) or keyword(text) in START_WORDS | HELP_WORDS
                or commands.parse(text, inbound.region) is not None or commands.question_topic(text))


def _says_yes(word: str) -> bool:
    return word in YES_WORDS or (bool(_YES_START.match(word)) and not _CANNOT.search(word))


# Dismay, not refusal: "can't believe this, calling her now" is calling her.
_DISMAY = re.compile(r"\b(?:CAN'?T|CANNOT) BELIEVE(?: THIS| IT| THAT)?\b|\bOH NO\b")
# Later, not now: "I'll call her after work". For a crisis, now is what counts.
_LATER = re.compile(r"\b(?:LATER|AFTER (?:WORK|SCHOOL|LUNCH|DINNER|MY \w+|THE \w+|THIS \w+)|TONIGHT|TOMORROW|"
                    r"THIS (?:EVENING|AFTERNOON|WEEKEND)|IN AN? (?:HOUR|FEW|COUPLE|BIT)|WHEN I (?:GET|CAN|AM|'?M))\b")


def _says_ack(word: str) -> bool:
    if word in ACK_WORDS or word in YES_WORDS:
        return True
    word = _DISMAY.sub(" ", word)
    return bool(_ACK_START.match(word) or _ACK_PHRASE.search(word)) and not _CANNOT.search(word)


def _buddy_decision(word: str, roles: tuple[BuddyRole, ...], *, own_words_waiting: bool = False) -> Decision | None:
    """`own_words_waiting`: this number is also a mom with a check-in open, so only the exact
    keywords go to her buddy role; anything longer is her own answer."""
    invited = tuple(b for b in roles if b.consent == "invited")
    alerted = _newest_first(roles)
    says_yes = word in YES_WORDS or (not own_words_waiting and _says_yes(word))
    if says_yes and invited:
        names = " and ".join(b.member_name for b in invited)
        return Decision("buddy_accept", reply="buddy_accepted" if len(invited) == 1 else "buddy_accepted_many",
                        reply_vars={"member": names},
                        buddy_ids=tuple(b.id for b in invited))
    if word in NO_WORDS and invited:
        return Decision("buddy_decline", reply="buddy_declined", buddy_ids=tuple(b.id for b in invited))
    if alerted and not own_words_waiting:
        role = _named_or_newest(alerted, word)
        if _CANT_REACH.search(_DISMAY.sub(" ", word)) or (role.crisis and _LATER.search(word)):
            # "ok but I can't call, I'm at work", "called twice, no answer", or for a crisis "I'll call
            # her after work": the alert goes on now, to someone who can, instead of waiting out its
            # escalation while the buddy thinks she answered.
            return Decision("buddy_cannot", buddy_ids=(role.id,), reply_vars={"member": role.member_name})
    acks = word in ACK_WORDS or word in YES_WORDS or (not own_words_waiting and _says_ack(word))
    if acks and alerted and own_words_waiting and word not in _CLEAR_ACKS:
        # Her own check-in is open too: a bare "ok" may be her answer, and taking it for an
        # acknowledgement would stop another mom's crisis reaching the operator. Ask.
        return Decision("buddy_or_own", reply="ack_or_mood", reply_vars={"member": alerted[0].member_name})
    if acks and alerted:
        # The mom she names ("ok calling Amanda now"), else the newest alert's: one OK must not
        # close another mom's crisis, nor thank the wrong one.
        newest = _named_or_newest(alerted, word)
        others = [b for b in alerted if b is not newest]
        if others:
            urgent = any(b.crisis for b in others)  # the other mom's alert is a crisis: say so
            return Decision("buddy_ack", reply="buddy_ack_thanks_more_urgent" if urgent else "buddy_ack_thanks_more",
                            reply_vars={"member": newest.member_name,
                                        "others": " and ".join(b.member_name for b in others)},
                            buddy_ids=(newest.id,))
        return Decision("buddy_ack", reply="buddy_ack_thanks", reply_vars={"member": newest.member_name},
                        buddy_ids=(newest.id,))
    return None


def _named_or_newest(alerted: list[BuddyRole], word: str) -> BuddyRole:
    """The role of the mom her buddy names ("ok calling Beth"), else of the newest alert."""
    named = [b for b in alerted if re.search(rf"\b{re.escape(b.member_name.upper())}\b", word)]
    return named[0] if len(named) == 1 else alerted[0]


def _newest_first(roles: tuple[BuddyRole, ...]) -> list[BuddyRole]:
    """Her accepted roles with an open alert, the newest alert first."""
    alerted = [b for b in roles if b.open_alert and b.consent == "accepted"]
    return sorted(alerted, key=lambda b: b.alerted_at.timestamp() if b.alerted_at else 0.0, reverse=True)


def _buddy_chat(roles: tuple[BuddyRole, ...]) -> Decision:
    """Her words matched no answer: say what we need from her, about the mom it concerns."""
    alerted = _newest_first(roles)
    if alerted:  # an alert is open now: say so, and how to answer it
        kind = "buddy_chat_crisis" if alerted[0].crisis else "buddy_chat_open"
        return Decision("buddy_chat", reply=kind, reply_vars={"member": alerted[0].member_name})
    invited = [b for b in roles if b.consent == "invited"]
    if invited:
        return Decision("buddy_chat", reply="buddy_invite_reask", reply_vars={"member": invited[0].member_name})
    return Decision("buddy_chat", reply="buddy_chat", reply_vars={"member": roles[0].member_name})


def _member_decision(inbound: Inbound, word: str, member: MemberState, mood: Mood) -> Decision:
    name = {"name": member.name}
    if member.status == "opted_out":
        return Decision("ignored_opted_out", mood=mood)
    if member.pending_delete:
        if word in YES_WORDS or (_EXPLICIT_YES.match(word) and not _CANNOT.search(word)):  # "Yes, delete everything"
            return Decision("delete_confirmed", reply="deleted")
        if word in NO_WORDS:
            return Decision("delete_cancelled", reply="delete_cancelled", cancel_delete=True)
        # Anything else cancels the erasure and is heard as what it is.
        decision = _member_decision(inbound, word, replace(member, pending_delete=False), mood)
        return replace(decision, cancel_delete=True)
    command = commands.parse(inbound.text, inbound.region)
    if command is not None and command.name != "join":
        return Decision("command", command=command, reply_vars=name)
    topic = commands.question_topic(inbound.text) if member.status in ("active", "paused") else None
    if topic is not None and mood.level != LOW:  # "how do I change my check-in time?": how, not a mood
        return Decision("command", command=Command("usage", {"topic": topic}), reply_vars=name)
    if member.status == "pending":
        if _says_yes(word):  # "Yes I'd like that", "actually yes"
            return Decision("member_consent", reply="member_confirmed", reply_vars=name)
        if word in NO_WORDS:
            return Decision("member_decline", reply="member_declined", reply_vars=name)
        if mood.level == LOW:  # heard, though no buddy may be told before her YES
            return Decision("member_pending", reply="member_pending_low", reply_vars=name, mood=mood)
        return Decision("member_pending", reply="member_pending", reply_vars=name, mood=mood)
    if member.recent_crisis:
        if _AFTER_CRISIS_SIGNS.search(inbound.text):
            # "I already took them", "i have the pills right here", "bye": ordinary words on another
            # day, a warning sign hours after a crisis. A crisis again: the line, and every buddy now.
            marked = Mood(CRISIS, 1.0, (*mood.reasons, "crisis:after_crisis"))
            return Decision("crisis", reply="crisis_reply", mood=marked, alert_level=CRISIS)
        # Hours after "I want to die", "thank you 💛" or "i mean it" must not get "So glad to hear it",
        # nor a follow-up question: the crisis line again, warmly. Her buddies were alerted with the
        # crisis (and it escalates on its own); a new crisis in her words alerts them again, above.
        # Not "glad you're better" either: a sudden calm soon after can be a decision made, not relief.
        return Decision("mood", reply="reply_after_crisis", reply_vars=name, mood=mood)
    if member.answered_level is not None and is_correction(inbound.text):
        # "*4", "meant four": the rating alone, read without the words that put it right
        corrected = mood if mood.score is not None else score(inbound.text[_CORRECTION.match(inbound.text).end():])
        if corrected.score is not None and corrected.level in (LOW, OK):
            return _correction(member, corrected)
    if word in YES_WORDS and not member.has_open_checkin:
        return Decision("noop", mood=None)
    if member.texting_now and not member.has_open_checkin and mood.level in (OK, UNCLEAR, LOW) \
            and not any(r in ("alert:unsafe", "unclear:question") for r in mood.reasons):  # a question gets its answer
        # More of what she was saying: heard once ("thank you for telling me more"), then quietly; a
        # low turn still reaches her buddy, and she is told when it does.
        return Decision("mood_more", reply=None if member.told_more else "reply_more", reply_vars=name,
                        mood=mood, alert_level=LOW if mood.level == LOW else None)
    if mood.level == UNCLEAR and member.has_open_checkin and not member.followup_asked:
        return Decision("followup", reply="followup", reply_vars=name, mood=mood)
    if mood.level == LOW:
        # Hurt or afraid at home: safety first in the answer (her buddy is alerted as for any low reply).
        unsafe = any(r == "alert:unsafe" for r in mood.reasons)
        # The third low day in a row: her buddy hears it has been days, not "today" once more.
        days = member.has_open_checkin and trend_reason(member.recent_scores, mood.score or 2.0) == "trend:three_low"
        if days and not unsafe:
            return Decision("mood", reply="reply_trend", reply_vars=name, alert_level=LOW,
                            mood=Mood(LOW, mood.score, mood.reasons + ("trend:three_low",)))
        return Decision("mood", reply="reply_unsafe" if unsafe else "reply_low", reply_vars=name, mood=mood,
                        alert_level=LOW)
    if mood.level == UNCLEAR:
        return Decision("mood", reply="reply_unclear", reply_vars=name, mood=mood)
    trend = trend_reason(member.recent_scores, mood.score) if member.has_open_checkin else None
    if trend is not None:
        marked = Mood(LOW, mood.score, mood.reasons + (trend,))
        # "a few hard days" only when there were; a drop below her usual is one harder day.
        reply = "reply_trend" if trend == "trend:three_low" else "reply_dip"
        return Decision("mood", reply=reply, reply_vars=name, mood=marked, alert_level=LOW)
    if mood.score is not None and mood.score < OK_FROM:  # a 3 is a middling day, not one to cheer
        return Decision("mood", reply="reply_middling", reply_vars=name, mood=mood, variant=member.day)
    return Decision("mood", reply="reply_ok", reply_vars=name, mood=mood, variant=member.day)


def _correction(member: MemberState, mood: Mood) -> Decision:
    """"sorry I meant 4" after a 2: the check-in's answer becomes the 4 (and a low alert not yet
    texted is withdrawn); "I meant 2" after a 4: a low answer, her buddy told as for any."""
    name = {"name": member.name, "score": f"{mood.score:g}"}
    if mood.level == LOW and member.answered_level != LOW:
        return Decision("mood", reply="reply_low", reply_vars=name, mood=mood, alert_level=LOW, corrects=True)
    if mood.level == OK and member.answered_level == LOW:
        return Decision("mood", reply="correction_better", reply_vars=name, mood=mood, corrects=True)
    return Decision("mood", reply="correction_noted", reply_vars=name, mood=mood, corrects=True)


def trend_reason(previous: tuple[float, ...], today: float | None) -> str | None:
    """Low by history though fine alone: three answered check-ins in a row at 3 or below, or a
    drop of two points below her own 14-day average."""
    if today is None:
        return None
    if today <= 3 and len(previous) >= 2 and all(s <= 3 for s in previous[:2]):
        return "trend:three_low"
    if len(previous) >= 3 and today <= sum(previous) / len(previous) - 2:
        return "trend:drop"
    return None


def _is_join(text: str, region: str) -> bool:
    command = commands.parse(text, region)
    return command is not None and command.name == "join"


def _stranger_decision(inbound: Inbound) -> Decision:
    command = commands.parse(inbound.text, inbound.region)
    if command is not None and command.name == "join":
        return Decision("signup", turn=signup.start(inbound.phone_zones))
    if inbound.signup is not None:
        return Decision("signup", turn=signup.advance(inbound.signup, inbound.text, inbound.phone_zones,
                                                      region=inbound.region))
    if command is not None:
        return Decision("stranger_command", reply="not_enrolled_command")
    return Decision("stranger", reply="stranger")
