"""Reading a concern described in someone's own words: who they are, whom it is about, what kind
of concern, whether it is outside the protocol, whether they speak for someone else, what they have
tried, and whether anyone may be in danger.

Every word list comes from the vocabulary (the shared file plus the council's own); this module
holds only the grammar of how people say things ("X here", "I'm just a …", "as …"). Nothing returned
holds any of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from ..model import Party, Protocol
from ..patterns import AnyOf, any_of
from ..text import clean, words
from ..vocabulary import Mention, Vocabulary, for_protocol, other, shared
from . import sides
from .safety import Alarm, assess, plain

Gender = Literal["male", "female", "any"]
Tried = Literal["yes", "no", "unsure", "upheld"]
Scope = Literal["in", "same-side", "public", "other"]

MODIFIERS = frozenset(
    "a an the just only simply actually currently now one of new newly senior junior lowly humble ordinary mere "
    "long serving temporary part full time acting interim fairly relatively very really also still first "
    "council councils local ward humble mere basic".split()
)
"""Words that may stand between "I'm" and a title ("I'm just a lowly …")."""
SELF_CUES = (
    ("i", "am"),
    ("as",),
    ("work", "as"),
    ("job", "as"),
    ("role", "as"),
    ("capacity", "as"),
    ("employed", "as"),
    ("elected", "as"),
    ("me", "being"),
    ("i", "was"),
    ("i", "have", "been"),
    ("and", "have", "been"),  # "I am 81 and have been a councillor since 1987"
    ("am",),  # "Ar, am a councillor"
    ("i", "lead"),
    ("i", "chair"),
    ("i", "head"),
    ("i", "run"),
    ("i", "represent"),
)
VERBISH = frozenset(
    "i he she they you we it and but because so that who when was is has have had not to were are been did "
    "do does will would can could should said told asked".split()
)
"""Words that make a short fragment a sentence ("RFO leaked it") rather than a sign-off ("RFO, Finance")."""
BETWEEN_STOP = VERBISH | frozenset(
    "of with about at by from for on in into over tired sick fed up scared afraid worried sure sorry dead done "
    "writing going getting being feeling very really just glad happy sad upset angry".split()
)
"""Words that end the gap between "I'm" and a title: past them, the title is not the person's own."""
PAST_TENSE = frozenset(
    "went got came left took gave made stood sat ran fell felt kept put saw heard seemed turned knew sent rang "
    "wrote thought froze shook broke hid".split()
)
"""Verbs without "-ed" that make "The trainee went white." a sentence, not a sign-off."""
NOT_A_NAME = frozenset(
    "the a an my our your his her their this that just only again always never usually probably definitely "
    "obviously clearly mostly also still actually really even now then".split()
)
"""Words between "it's" and a title that are not the writer's name ("it's always the clerk")."""
PRONOUNS = frozenset("i me my he she him her his they them their you we us it".split())
POSSESSIVES = frozenset({"our", "your", "their", "its"})
NOT_A_TEAM = frozenset(
    "i me my he she him her his they them their you we us it its our your shes hes same this that the a an "
    "every one two three four five six seven eight nine ten some all both another other".split()
)
"""Words before a title that make it someone else ("Same Member, …", "She's the Clerk, …"), not a team
the writer works in ("Highways inspector, if that matters")."""
CORRECTING = frozenset(
    {("i", "mean"), ("i", "meant"), ("meant", "to"), ("no", "wait"), ("wait", "no"), ("sorry", "no"), ("or", "rather")}
)
"""Words that take back what was just named ("the service manager, no wait, it was the director")."""
SAME_SIDE = frozenset({"fellow", "another", "other"})
REQUESTING = frozenset({"tell", "let", "send", "show", "remind", "help", "email"})  # "could you tell me …"
SEEING = frozenset({"saw", "seen", "see", "watched", "witnessed", "noticed", "heard", "overheard"})
ABBREVIATED = re.compile(r"\b(cllr|cyng|coun|cnclr|mr|mrs|ms|dr)\.(?=\s)", re.IGNORECASE)
"""Titles shortened with a full stop ("Cllr. Davies"): the stop does not end a sentence."""
HONORIFICS = frozenset({"cllr", "councillor", "cyng", "mr", "mrs", "ms", "miss", "dr"})
NEGATIONS = frozenset({"not", "no", "never", "nor", "neither", "isnt", "wasnt", "arent"})
GREETINGS = frozenset({"hi", "hello", "hiya", "morning", "evening", "afternoon", "ok", "so", "right", "the", "a"})
UNITS = frozenset(
    "office secretary pa diary parlour directorate department team car room rooms canteen kitchen entrance toilet "
    "toilets lounge briefing briefings survey newsletter intranet badge badges side christmas party do desk counter "
    "coffee surgery surgeries reception garden event events walkabout".split()
)
"""Words after a title that name a place, a team or an occasion rather than the person ("the Leader's office",
"the staff car park", "the members' room")."""
WHO = frozenset({"who", "whos", "that"})  # "the one who chairs events", "the chap who runs highways"
SENT = frozenset(
    "message messages messaged email emails emailed text texts texted call calls calling dm dms letter letters "
    "voicemail voicemails abuse comments remarks pressure demands threats visits".split()
)
"""What someone sends: "getting messages from a Group Leader" names who acted."""
ADDRESSING = frozenset({"dear", "to", "fao", "attn", "attention"})  # "hi mayor keeps ringing" is no letter
QUOTING = frozenset("says said saying goes went replied shouted yelled snapped announced declared".split())
KNOWING = frozenset("knows knew know said says put mentioned pointed told suggested explained confirmed agreed".split())
THIRD_PERSON = frozenset({"she", "her", "he", "him", "they", "them"})
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "am"})

TRIED_NO = re.compile(
    r"\b(?:not yet|havent|have not|didnt|did not|never|too scared to|afraid to|not tried|not raised|not spoken|"
    r"no one|nobody)\b[^.!?]{0,40}\b(?:tried|raise|raised|spoke|spoken|talk|talked|told|said|mention|mentioned|"
    r"anyone|anything|informal|informally|sort|resolve|done)"
)
TRIED_YES = re.compile(
    r"\b(?:already|ive|i have|weve|we have|tried to|i tried|i raised|i spoke|i talked|i told|i mentioned|"
    r"raised it|spoke to|talked to|told my|mentioned it|asked them to stop|asked him to stop|asked her to stop)\b"
    r"[^.!?]{0,60}\b(?:tried|spoke|spoken|talked|raised|told|mentioned|manager|informally|sort|resolve|stop|chat)"
)
UPHELD = re.compile(
    r"\b(?:grievance|complaint|appeal)\b[^.!?]{0,60}\bupheld\b|\bupheld (?:my|the|our) (?:grievance|complaint)"
)
GENDER = (
    (re.compile(r"\b(?:female|woman|women|lady|a she)\b"), "female"),
    (re.compile(r"\b(?:male|man|men|gentleman|a he)\b"), "male"),
)
GENDER_CONTEXT = re.compile(r"\b(?:prefer|rather|want|like|speak|talk|manager|someone|to a|with a)\b")
NO_PREFERENCE = re.compile(r"\b(?:no preference|dont mind|do not mind|either is fine|doesnt matter|either)\b")


@dataclass(frozen=True)
class Reading:
    """What could be read from a message; None where it could not."""

    reporter: Party | None = None  # the side of the person affected (a witness speaks for them)
    subject: str | None = None  # a role id of this council's protocol
    category: str | None = None
    gender: Gender | None = None
    informal_tried: Tried | None = None
    scope: Scope = "in"
    witness: bool = False
    alarm: Alarm = field(default_factory=Alarm)
    said_who: bool = False  # the person said which side they are on (not just inferred)
    found: tuple[str, ...] = field(default=())

    @property
    def danger(self) -> bool:
        return self.alarm.danger

    @property
    def self_harm(self) -> bool:
        return self.alarm.self_harm

    @property
    def anything(self) -> bool:
        """Whether the message describes a concern at all (a question about something else does not)."""
        return bool(self.found) or bool(self.alarm) or self.scope not in ("in", "other")


@dataclass(frozen=True)
class _Said:
    """The shared vocabulary's patterns for how people say who they are and what the story is."""

    selves: tuple[tuple[Party, AnyOf], ...]  # "my ward", "my line manager"
    witness: AnyOf  # "she told me", "writing for our clerk"
    one_side: tuple[tuple[Party, AnyOf], ...]  # "member on member", "nothing to do with councillors"
    each_other: AnyOf  # "at each other's throats"
    public: AnyOf  # "I'm not on the council, I just live in the village"
    not_council: AnyOf  # "he isn't on the council, just lives by the hall"
    asking: AnyOf  # "link to the protocol pls"
    only_asking: AnyOf  # "not a complaint, a question"
    thanks: AnyOf  # "diolch for the laptop"
    trouble: AnyOf  # "rude", "no reply", "is it ok for a councillor to"
    relatives: frozenset[str]  # "wife", "mam", "son"


@cache
def _said() -> _Said:
    vocabulary = shared()
    parties: tuple[Party, Party] = ("councillor", "officer")
    return _Said(
        tuple((party, any_of(getattr(vocabulary.self_, party))) for party in parties),
        any_of(vocabulary.witness),
        tuple((party, any_of(patterns)) for party, patterns in vocabulary.one_side.items()),
        any_of(vocabulary.each_other),
        any_of(vocabulary.self_.public),
        any_of(vocabulary.not_council),
        any_of(vocabulary.asking),
        any_of(vocabulary.only_asking),
        any_of(vocabulary.thanks),
        any_of(vocabulary.trouble),
        frozenset(vocabulary.relatives),
    )


def _at_odds(said: str, people: list[Mention]) -> bool:
    """Two or more people of one side ("Cllr Rhys and Cllr Bevan", "two of the councillors"), and nobody
    of the other, at odds with each other."""
    several = len(people) >= 2 or bool({"two", "both", "couple"} & set(said.split()))
    return len(sides_of(people)) == 1 and several and _said().each_other.search(said) is not None


def read(text: str, protocol: Protocol) -> Reading:
    """What a message says: who is who, whom it is about, what kind of concern, and whether anyone is in danger."""
    return _read(text, protocol, learnt=True)


def read_by_rules(text: str, protocol: Protocol) -> Reading:
    """The reading without the learnt sides model (to train and measure that model against)."""
    return _read(text, protocol, learnt=False)


def _read(text: str, protocol: Protocol, *, learnt: bool) -> Reading:
    vocab = for_protocol(protocol)
    cleaned = clean(text)[0]
    said = plain(cleaned)
    alarm = assess(text)  # the whole message, however long
    raw, tokens, concern_tokens, signed, starts = _tokens(cleaned, vocab)
    mentions = [m for m in vocab.mentions(tokens) if not _negated(raw, m) and not _addressed(raw, m)]
    mentions = _after_correction(raw, mentions)

    own, relative, reporter, said_who = _writer(raw, mentions, said, signed, starts)
    others = [
        m
        for m in mentions
        if m is not own
        and not (own and m.start in signed and m.meaning.party == own.meaning.party)  # "Scrutiny. … I'm the Chair"
        and not (own and own.meaning.kind == "job" and m.end == own.start)  # "I'm the Managing Director's PA"
        and not (_before_a_place(raw, m, starts) and not _verb(raw, m))
        and not (m.meaning.kind == "job" and m.start > 0 and raw[m.start - 1] in {"in", "at", "from"})
    ]  # "a team leader in customer services": where someone works, not someone
    kin = _said().relatives  # "the Clerk's husband (he doesn't work for the council)": not the Clerk
    relations = [
        m
        for m in others
        if raw[m.end : m.end + 1]
        and raw[m.end] in kin
        and m.end not in starts
        and raw[m.end + 1 : m.end + 2] != ["got"]  # "the chairman's daughter got the contract": he is whom it's about
    ]
    people = [m for m in others if m.meaning.party is not None and m not in relations]
    if (
        not people and not relations and not any(m.meaning.kind == "outside" for m in others)
    ):  # "The Mayor's diary is killing me … he wants a speech for every one": the Mayor, after all
        people = [
            m
            for m in mentions
            if m is not own
            and m.meaning.party is not None
            and m.meaning.kind != "job"
            and _before_a_place(raw, m, starts)
            and (own is None or m.meaning.party != own.meaning.party)
        ]
    public = [m for m in others if m.meaning.kind == "outside" and not _described(raw, m, people)] + relations
    by_relative = relative is not None and own is relative
    witness = bool(_said().witness.search(said)) or _saw_it_happen(raw, people, reporter) or by_relative
    affected: Party | None = None
    if witness:
        affected = reporter if by_relative else _affected(raw, people, reporter, starts)
    subject_mention, scope, reporter = _whom(raw, people, public, reporter, affected, starts, vocab)
    if subject_mention is not None and public and _outsider_acts(raw, public, subject_mention, starts):
        # "my cllr got followed back to her car by a bloke off the estate": the councillor is affected
        reporter = reporter if said_who else subject_mention.meaning.party
        subject_mention, scope = None, "public"
    one_side = {party for party, pattern in _said().one_side if pattern.search(said)}
    if len(one_side) != 1 and subject_mention is not None and _at_odds(said, people):
        one_side = {subject_mention.meaning.party or "officer"}  # "two of our councillors at each other's throats"
    side = one_side.pop() if len(one_side) == 1 else None
    if side is not None and not (witness and affected not in (None, side) and said_who):
        # "member on member", "nothing to do with councillors": outside the protocol (but a councillor who
        # saw a colleague belittle an officer, "I'm a member myself", speaks for the officer)
        subject_mention, scope, reporter = None, "same-side", side
        if public and not any(m.meaning.party == side for m in people):
            scope = "public"  # "This isn't about the clerk or staff. A man from Cwmffrwd has been …"
    if _said().not_council.search(said) and (public or THIRD_PERSON & set(raw)) and not (witness and affected):
        subject_mention, scope = None, "public"  # "A resident keeps ringing me. He isn't on the council."
    if not said_who and _said().public.search(said):
        subject_mention, scope, reporter = None, "public", None  # the writer is a resident, not either side

    guessed_scope = scope == "in" or (scope == "same-side" and side is None)  # not "member on member"
    if learnt and not said_who and guessed_scope and (lean := sides.lean(said, reporter)) is not None:
        across = [m for m in people if m.meaning.party == other(lean)]
        if across or (not people and scope == "in"):  # unsaid: how people write tells their side better
            reporter, subject_mention, scope = lean, _most_specific(across, vocab, raw), "in"
    subject = _council_subject(subject_mention, protocol, reporter) if subject_mention else None
    category = _category(concern_tokens, vocab, reporter)
    if scope == "in" and not alarm and _asks_something_else(said, named=bool(people or public or category)):
        scope, subject = "other", None  # "link to the protocol pls", "how do I book the chamber for scrutiny?"
    tried: Tried | None = (
        "upheld"
        if UPHELD.search(said)
        else "no"
        if TRIED_NO.search(said)
        else "yes"
        if TRIED_YES.search(said)
        else None
    )
    gender = _gender(said)
    found = tuple(
        name
        for name, value in (
            ("reporter", reporter),
            ("subject", subject),
            ("category", category),
            ("informal_tried", tried),
            ("gender", gender),
        )
        if value is not None
    )
    return Reading(
        reporter, subject, category, gender, tried, scope, witness and affected is not None, alarm, said_who, found
    )


def _before_a_place(raw: list[str], mention: Mention, starts: set[int]) -> bool:
    """ "the Leader's office", "the Mayor's diary": the title names a place, a team or an occasion."""
    return mention.end < len(raw) and raw[mention.end] in UNITS and mention.end not in starts


def _described(raw: list[str], someone: Mention, people: list[Mention]) -> bool:
    """ "the chap who runs highways", "the woman who takes our minutes": a person the writer names by their
    council job, not a member of the public."""
    who = someone.end - 1 if raw[someone.end - 1] in WHO else someone.end  # "the guy who" ends in it
    after = who + 1 + (raw[who + 1 : who + 2] in (["is"], ["s"]))
    return who < len(raw) and raw[who] in WHO and any(m.start == after for m in people)


def _verb(raw: list[str], mention: Mention) -> bool:
    """ "the one who chairs events": a title used as a verb names the person, not a place or occasion."""
    return mention.start > 0 and raw[mention.start - 1] in WHO


def _addressed(raw: list[str], mention: Mention) -> bool:
    """ "Dear Monitoring Officer, …", "FAO the Clerk": the person the message is written to, not whom it is about."""
    return 0 < mention.start <= 2 and raw[0] in ADDRESSING and (mention.start == 1 or raw[1] in {"the", "our", "my"})


def _asks_something_else(said: str, *, named: bool) -> bool:
    """A question or request that tells of nothing done to anyone: not a concern. One that names a side
    ("is there training on the councillor/staff protocol?") must also tell of no trouble ("rude", "no reply")."""
    if len(said.split()) <= 15 and _said().thanks.search(said) and not _said().trouble.search(said):
        return True  # "diolch for the laptop", "ok thanks, that's all for now"
    marker = _said().only_asking.search(said)
    if marker is not None and "?" not in said and not marker.group(0).startswith("when"):
        marker = None  # "when's the next training" needs no question mark; the rest ask one
    if THIRD_PERSON & set(said.split()) and (marker is None or marker.start() > 25):
        return False  # … unless it opens by saying it is a question ("Purely hypothetically, if a councillor …")
    if marker is not None:
        rest = said[: marker.start()] + said[marker.end() :]  # "not a complaint" is no sign of trouble
        return _said().trouble.search(rest) is None and not re.match(r"\W*(?:but|as such)\b", rest[marker.start() :])
    ends_asking = said.rstrip(" .!").endswith("?")
    asking = _said().asking.search(said) is not None
    if not named and (ends_asking or asking):
        return True
    # otherwise it must be only a question, about nothing done to the writer ("tore me to shreds")
    one_sentence = not re.search(r"[.!?] \S", said.rstrip(" .!?"))
    tokens = said.split()
    done_to_me = any(
        w in {"my", "mine", "myself"} or (w == "me" and (i == 0 or tokens[i - 1] not in REQUESTING))
        for i, w in enumerate(tokens)
    )
    asks = (one_sentence and (ends_asking or asking)) or (not named and "?" in said)
    return asks and not done_to_me and _said().trouble.search(said) is None


def _writer(
    raw: list[str], mentions: list[Mention], said: str, signed: set[int], starts: set[int]
) -> tuple[Mention | None, Mention | None, Party | None, bool]:
    """Who is writing: the title they give themselves (or a relative's), "a fellow councillor", or how they
    speak of themselves ("my ward", "my line manager"). Returns (own title, relative's title, side, said so)."""
    cued = [m for m in mentions if _self_cue(raw, m, starts)]
    # "Monitoring Officer - I'm the Leader": what they say they are, over a name that only opens the message
    selves = cued or [m for m in mentions if m.start in signed and m.meaning.party is not None]
    # "I work in Procurement but I'm also a parish councillor": the hat worn "also" is not the one writing
    own = next((m for m in selves if "also" not in raw[max(0, m.start - 3) : m.start]), None)
    if own is None and selves and not any(p.search(said) for _, p in _said().selves):
        own = selves[0]
    head = next(
        (m for m in mentions if own and m.start == own.end and m.start not in starts and m.meaning.kind == "job"),
        None,
    )
    own = head or own  # "I'm the Mayor's secretary": the job after a title is the person's own
    relative = next((m for m in mentions if m.meaning.party and _relative(raw, m)), None)
    if relative is not None and own is None:
        own = relative
    reporter: Party | None = own.meaning.party if own else None
    if reporter is not None:
        return own, relative, reporter, True
    fellow = next((m for m in mentions if m.meaning.party and _fellow(raw, m)), None)
    if fellow is not None:  # "one of our councillors" may be a councillor's colleague or the clerk's employer
        return own, relative, fellow.meaning.party, False
    sides = {party for party, pattern in _said().selves if pattern.search(said)}
    # how they speak of themselves ("my ward", "at work") is a lean, not a statement: the learnt model may overrule it
    return own, relative, (sides.pop() if len(sides) == 1 else None), False


def _whom(
    raw: list[str],
    people: list[Mention],
    public: list[Mention],
    reporter: Party | None,
    affected: Party | None,
    starts: set[int],
    vocab: Vocabulary,
) -> tuple[Mention | None, Scope, Party | None]:
    """Whom the concern is about, whether it is outside the protocol, and the side of the person affected
    (the writer's own, a witness's colleague's, or the other side of whoever acted on the writer)."""
    subject: Mention | None = None
    scope: Scope = "in"
    if reporter is not None or affected is not None:
        side = affected or reporter
        assert side is not None
        subject = _most_specific([m for m in people if m.meaning.party == other(side)], vocab, raw)
        if subject is not None and _own_boss_first(raw, people, side, starts):
            subject = None  # "My Head of Service keeps rewriting my reports … the Cabinet Member was fine"
        if subject is None and public:
            scope = "public"
        elif subject is None and [m for m in people if m.meaning.party == side and not _adviser(raw, m)]:
            scope = "same-side"
        reporter = side
    elif people:
        actor = _actor(raw, people, starts)
        subject = actor or _most_specific(people, vocab, raw)
        if subject and FIRST_PERSON & set(raw) and (actor or len(sides_of(people)) == 1):
            reporter = other(subject.meaning.party or "officer")
            subject = _most_specific([m for m in people if m.meaning.party == subject.meaning.party], vocab, raw)
        if reporter is None and len(sides_of(people)) == 2 and (FIRST_PERSON | THIRD_PERSON | {"our"}) & set(raw):
            subject, reporter = _between(raw, people, starts, vocab)
    elif public:
        scope = "public"
    if reporter is None and subject and subject.meaning.party and len(sides_of(people)) == 1:
        reporter = other(subject.meaning.party)  # only one side named, and something it did
    return subject, scope, reporter


def _own_boss_first(raw: list[str], people: list[Mention], side: Party, starts: set[int]) -> bool:
    """Whether the story is about someone over the writer on their own side ("my service manager has been
    picking on me"): named as theirs, opening a sentence, before anyone on the other side, who acted on no one."""
    across = [m for m in people if m.meaning.party == other(side)]
    own = [m for m in people if m.meaning.party == side and m.meaning.kind != "side"]
    first = min((m.start for m in across), default=len(raw))
    return any(
        m.start < first
        and raw[m.start - 1] in {"my", "me"}
        and m.start - 1 in starts
        and not (ADVISING | NOT_ACTING) & set(raw[m.end : m.end + 3])
        for m in own
    ) and not any(_by(raw, m) for m in across)


def _between(raw: list[str], people: list[Mention], starts: set[int], vocab: Vocabulary) -> tuple[Mention, Party]:
    """Both sides named by a writer who doesn't say which they are: the one the writer speaks for ("I'm
    worried for our Clerk") is the one affected; otherwise whoever acts ("by the Mayor", "whether the
    Chair should …", or the person a sentence opens with), else the first named, is whom it is about."""
    cared_for = next((m for m in people if _for(raw, m) or (_ours(raw, m) and not _opens(raw, m, starts))), None)
    actor = (
        next((m for m in people if _by(raw, m)), None)
        or next((m for m in people if "whether" in _before(raw, m, 6) and m is not cared_for), None)
        or next((m for m in people if _opens(raw, m, starts) and m is not cared_for), None)
        or next(m for m in people if m is not cared_for)
    )
    if cared_for is not None and cared_for.meaning.party != actor.meaning.party:
        side = other(cared_for.meaning.party or "officer")
    else:
        side = actor.meaning.party or "officer"
    subject = _most_specific([m for m in people if m.meaning.party == side], vocab, raw)
    assert subject is not None
    return subject, other(side)


_HAS_WORD = re.compile(r"[^\W_]")


def _tokens(cleaned: str, vocab: Vocabulary) -> tuple[list[str], list[str], list[str], set[int], set[int]]:
    """The message's words and stems, and where a short fragment opens with the writer's own title
    ("Clerk.", "Head of Service, Housing.", "Ward councillor, Pensarn.")."""
    raw: list[str] = []
    stems: list[str] = []
    concern_stems: list[str] = []
    signed: set[int] = set()
    starts: set[int] = set()
    pieces = re.split(r"([.!?;:\n]+|\s[-–—]\s|[()])", ABBREVIATED.sub(r"\1", cleaned))
    fragments = [
        (fragment, opened, closed)
        for fragment, opened, closed in zip(pieces[::2], ["", *pieces[1::2]], [*pieces[1::2], ""], strict=True)
        if _HAS_WORD.search(fragment)
    ]
    for index, (fragment, opened, closed) in enumerate(fragments):
        fragment_raw = words(fragment.replace("-", " ").replace("/", " "))
        fragment_stems, fragment_concerns = vocab.keys(fragment)
        if len(fragment_raw) != len(fragment_stems) or not fragment_raw:
            continue
        start = len(raw)
        starts.add(start)
        raw += fragment_raw
        stems += fragment_stems
        concern_stems += fragment_concerns
        # a title that opens the fragment: any mention that could overlap one starting in its first three
        # words lies within this window, so the first found is the same as in the whole fragment
        first = vocab.mentions(fragment_stems[: 2 + 2 * vocab.longest])[:1]
        if not first or first[0].start > 2:
            continue
        rest = fragment_raw[first[0].end :]
        named = rest[:1] and "," not in fragment and _capitalised(fragment, rest[0])
        # a signature opens or closes a message ("Clerk here.", "… Ward member, getting nowhere."), never
        # sits in its middle ("An officer in the highways team — a man he complained about — has been …")
        edge = index <= 1 or index >= len(fragments) - 2
        if (
            (start == 0 or index >= len(fragments) - 2)
            and re.match(r"\s*[\w' ]+?,", fragment)
            and first[0].end == len(words(fragment.split(",")[0]))
            and (first[0].start == 0 or not set(fragment_raw[: first[0].start]) & NOT_A_TEAM)
            and not _capitalised(fragment.split(",", 1)[1], (rest or [""])[0])
            and not THIRD_PERSON & set(rest)  # "Deputy Mayor, when I clean he stands behind me": who it is about
        ):
            signed.add(start + first[0].start)  # "Caretaker, I lock up.", "… Highways inspector, if that matters."
            continue
        if rest[:2] == ["to", "the"]:
            rest = rest[2:]  # "Clerk to the community council."
        if (
            (
                (len(fragment_raw) <= 7 and (first[0].start == 0 or fragment_raw[0] in {"the", "a", "an"}))
                or len(fragment_raw) <= 4
            )
            and edge
            and not (PRONOUNS | POSSESSIVES) & set(fragment_raw)
            and opened != "("  # "him again (the chair)": an aside names someone else
            and closed != "("  # "A cabinet member (I won't say who yet) exposed himself": the sentence goes on
            and not re.fullmatch(r"\s[-–—]\s", closed)  # "An officer in the highways team — a man he …": likewise
            and not any(w.endswith("ed") or w in VERBISH or w in PAST_TENSE for w in rest)
            and not (named and rest[0] not in {"here"})
        ):
            signed.add(start + first[0].start)
    return raw, stems, concern_stems, signed, starts


def _capitalised(fragment: str, word: str) -> bool:
    """A name after a title ("Cllr Jones") says who is meant, not who is writing."""
    return re.search(rf"\b{re.escape(word.capitalize())}\b", fragment) is not None and word not in {"here"}


def sides_of(people: list[Mention]) -> set[Party]:
    return {party for m in people if (party := m.meaning.party) is not None}


RELATIVE_LINKS = frozenset({"is", "was", "who", "whos", "that", "has", "been", "works", "worked", "of"})
"""Words that may link a relative to their role ("my husband, who is the Town Clerk", "the daughter of Cllr Beck")."""


def _relative(raw: list[str], mention: Mention) -> bool:
    """ "my wife is the clerk", "my husband, who is a councillor", "I'm the daughter of Councillor Beck",
    "this is Kev's wife. He's the gardener", "Dad (Cllr Beck)": someone close to the writer holds the role."""
    first = max(0, mention.start - 6)
    before = raw[first : mention.start]
    relatives = _said().relatives
    if mention.start <= 3 and relatives & set(raw[mention.end : mention.end + 2]):
        return True  # "It's Ann, Cllr Beck's daughter", "Clerk's husband here"
    for i, word in enumerate(before):
        if word not in relatives:
            continue
        at = first + i
        mine = i > 0 and before[i - 1] in {"my", "our", "me"}  # "me mam's the cleaner"
        named_self = any(raw[j : j + 2] in (["this", "is"], ["i", "am"], ["its", "me"]) for j in range(at - 3, at))
        if mine or named_self or i == len(before) - 1 or "of" in before[i + 1 : i + 2]:
            between = before[i + 1 :]
            return not any(w in VERBISH - RELATIVE_LINKS for w in between)
    return False


def _fellow(raw: list[str], mention: Mention) -> bool:
    """ "a fellow councillor", "another member", "one of our officers": the writer is on that side."""
    before = raw[max(0, mention.start - 3) : mention.start]
    return (
        bool(SAME_SIDE & set(before[-2:]))
        or before in (["one", "of", "our"], ["one", "of", "my"])
        or before[-1:] in (["us"], ["we"])  # "us councillors", "we members"
    )


def _before(raw: list[str], mention: Mention, n: int) -> set[str]:
    return set(raw[max(0, mention.start - n) : mention.start])


def _actor(raw: list[str], people: list[Mention], starts: set[int]) -> Mention | None:
    """Who does something to the writer: the person a sentence opens with when the writer appears later
    in it ("The RFO put on Facebook … and tagged me"), else the first named with "me" close after."""
    bounds = [*sorted(starts), len(raw)]
    for mention in people:
        opening = [b for b in bounds if b <= mention.start]
        start = opening[-1] if opening else 0
        end = next(b for b in bounds if b > mention.start)
        before = raw[start : mention.start]
        if len(before) <= 2 and not {"i", "my"} & set(before) and {"me", "my", "i"} & set(raw[mention.end : end]):
            return mention
    for mention in people:
        after = raw[mention.end : mention.end + 8]
        if {"me", "my", "mine", "i"} & set(after) and not {"i", "my"} & _before(raw, mention, 1):
            return mention
    return None


def _saw_it_happen(raw: list[str], people: list[Mention], reporter: Party | None) -> bool:
    """A writer who tells of someone on their own side doing something to someone on the other, when
    nothing was done to the writer, is a witness ("I sit on Planning. Cllr Brennan belittled the case
    officer; she was close to tears")."""
    if reporter is None or {"me", "my", "mine", "myself"} & set(raw) or not THIRD_PERSON & set(raw):
        return False
    own_side = [m for m in people if m.meaning.party == reporter and "my" not in _before(raw, m, 1)]
    across = [m for m in people if m.meaning.party == other(reporter)]
    return bool(own_side and across and own_side[0].start < across[-1].start)


def _negated(raw: list[str], mention: Mention) -> bool:
    """ "not a councillor", "no, not the clerk", "neither of them is a councillor": a role named only to be
    denied."""
    before = raw[max(0, mention.start - 2) : mention.start]
    if {"neither", "none"} & set(raw[max(0, mention.start - 5) : mention.start]):
        return True  # "neither of them is a councillor", "none of the councillors are involved"
    return bool(NEGATIONS & set(before)) and not {"am", "i"} & set(before)


def _after_correction(raw: list[str], mentions: list[Mention]) -> list[Mention]:
    """ "sorry I mean the deputy clerk not the clerk": what follows "I mean" replaces what came before."""
    for i in range(len(raw) - 1, 0, -1):
        if (raw[i - 1], raw[i]) in CORRECTING:
            later = [m for m in mentions if m.start > i]
            if later:
                kinds = {m.meaning.party for m in later}
                return [m for m in mentions if m.start > i or m.meaning.party not in kinds]
    return mentions


def _self_cue(raw: list[str], mention: Mention, starts: set[int]) -> bool:
    """Whether the person names themselves: "I'm (just) a …", "as …", "… here", "I work as …"."""
    if mention.meaning.party is None:
        return False
    for gap in range(0, 4):
        start = mention.start - gap
        if start < 0 or any(w in BETWEEN_STOP for w in raw[start : mention.start]):
            break
        if any(i in starts for i in range(start + 1, mention.start + 1)):
            break
        while start > 0 and raw[start - 1] in MODIFIERS:
            start -= 1
        for cue in SELF_CUES:
            if tuple(raw[max(0, start - len(cue)) : start]) == cue:
                if QUOTING & set(raw[max(0, start - len(cue) - 2) : start - len(cue)]):
                    return False  # 'He says "I'm the Chair, I decide"': someone else's words
                if cue == ("as",) and start >= 2 and raw[start - 2] in {"such", "same", "just", "so", "well"}:
                    return False
                if cue == ("as",) and start >= 3 and raw[start - 3] in HONORIFICS:
                    return False  # "Cllr Morgan, as Chair of Planning, …" is Cllr Morgan's title
                if cue == ("as",) and KNOWING & set(raw[mention.end : mention.end + 4]):
                    return False  # "as the Director well knows": someone else, who knows
                return gap == 0 or cue != ("as",)
    opener = mention.start
    while opener > 0 and raw[opener - 1] in MODIFIERS:
        opener -= 1  # "I just take the minutes"
    before = raw[max(0, opener - 2) : opener]
    if (before[-1:] == ["i"] or before in (["i", "ve"], ["i", "have"])) and mention.meaning.kind != "side":
        return True  # "I chair planning", "I've run the benefits team"
    if mention.start in (1, 2) and raw[mention.start - 1] == "its" and raw[0] in GREETINGS | {"its"}:
        return True  # "hi its cllr price", "it's the clerk"
    name = mention.start - 1
    introduced = name >= 1 and (raw[name - 1] == "its" or raw[max(0, name - 2) : name] == ["this", "is"])
    if introduced and mention.start not in starts and name not in starts and raw[name] not in BETWEEN_STOP | NOT_A_NAME:
        return True  # "sorry to bother, it's Nerys the clerk", "this is Dave, caretaker"
    opener = mention.start - 1
    while opener > 0 and raw[opener] in MODIFIERS:
        opener -= 1
    if raw[opener : opener + 1] == ["being"] and opener in starts:
        return True  # "Being Mayor is lonely."
    if opener >= 1 and raw[opener - 1 : opener + 1] == ["this", "is"] and opener - 1 in starts:
        return True  # "this is councillor Rees, chair of finance"
    rest = raw[mention.end : mention.end + 5]
    opening = mention.start in starts or (mention.start - 1 in starts and raw[mention.start - 1] in GREETINGS)
    unit = bool(rest) and (rest[0] in UNITS or rest[:2] in (["s", w] for w in UNITS))  # "Leader's office here"
    return "here" in rest[:4] and (mention.start == 0 or opening) and not unit


def _possessive(raw: list[str], mention: Mention) -> bool:
    return mention.start > 0 and raw[mention.start - 1] in {"my", "our", "me"}  # "me gaffer"


ADVISING = frozenset("told said says suggested suggests advised advises asked wants thinks".split())
NOT_ACTING = frozenset("say saying passed is isnt was wasnt has knows agrees".split())
"""Words after "my manager" that make them a messenger or a bystander ("my manager is lovely, it isn't her")."""


def _adviser(raw: list[str], mention: Mention) -> bool:
    """ "my manager told me to raise it here": someone on the writer's side who sent them, not whom it is about."""
    return _possessive(raw, mention) and bool(ADVISING & set(raw[mention.end : mention.end + 3]))


def _opens(raw: list[str], mention: Mention, starts: set[int]) -> bool:
    """Whether a sentence opens with this person ("A fellow councillor keeps …"): they are who acts in it."""
    return any(0 <= mention.start - s <= 2 and not {"i", "my"} & set(raw[s : mention.start]) for s in starts)


def _affected(raw: list[str], people: list[Mention], writer: Party | None, starts: set[int]) -> Party:
    """The side of the person a witness speaks for. Someone on the writer's own side who did it to
    someone on the other makes the other side the one affected; otherwise it is the writer's colleague."""
    if writer is None:
        sides = sides_of(people)
        return other(sides.pop()) if len(sides) == 1 else "officer"
    same = [m for m in people if m.meaning.party == writer]
    across = [m for m in people if m.meaning.party not in (writer, None)]
    if any(_by(raw, m) for m in across):
        return writer  # "… belittled by the Deputy Town Mayor": the writer's colleague is the one affected
    if any(_by(raw, m) for m in same):
        return other(writer)
    if not same and len(across) >= 2 and not {"me", "my", "mine", "myself"} & set(raw):
        return other(writer)  # a councillor who saw the Chief Executive push a junior officer: both are staff
    if any(
        _opens(raw, m, starts)
        and any(a.start > m.start for a in across)
        and not ADVISING & set(raw[m.end : m.end + 3])  # "one of the grounds staff has told me …" only tells
        for m in same
    ):
        return other(writer)  # "A fellow councillor keeps emailing the Clerk …": the Clerk is the one affected
    if any(_ours(raw, m) and not _opens(raw, m, starts) for m in across):
        return other(writer)  # a Chairman: "two councillors were hostile towards our Clerk"
    seen = next((m for m in people if SEEING & set(raw[max(0, m.start - 3) : m.start])), None)
    actor = seen.meaning.party if seen is not None else None
    if (
        seen is not None
        and actor is not None
        and any(m.start > seen.start and m.meaning.party == other(actor) for m in people)
    ):
        return other(actor)  # "I saw another Member follow one of the committee officers …"
    victims = [m for m in same if _ours(raw, m) or _fellow(raw, m) or _for(raw, m)]
    return other(writer) if same and across and not victims else writer


def _outsider_acts(raw: list[str], public: list[Mention], subject: Mention, starts: set[int]) -> bool:
    """Whether someone outside the council is who acted ("… by a bloke off the estate", "A member of the
    public at the Mayor's coffee morning was abusive to me"), and the person named on a side did not."""
    if _by(raw, subject) or (_opens(raw, subject, starts) and subject.start < min(m.start for m in public)):
        return False
    at_a_place = bool({"at", "in"} & set(raw[max(0, subject.start - 2) : subject.start]))  # "at the Mayor's do"
    bounds = [*sorted(starts), len(raw)]

    def acts_on_me(m: Mention) -> bool:  # "A resident told me at my surgery he'd put a brick through my window"
        end = next(b for b in bounds if b > m.start)
        later = subject.start >= end and not {"me", "my"} & set(
            raw[subject.end : subject.end + 6]
        )  # not "… emailed me"
        return (
            m.start <= 2
            and not starts & set(range(1, m.start + 1))
            and later
            and bool({"me", "my", "i"} & set(raw[m.end : end]))
        )

    return any(
        not _ours(raw, m)  # "my residents" are whom a councillor speaks for
        and (
            _by(raw, m)
            or (_opens(raw, m, starts) and at_a_place and not any(m.start < s <= subject.start for s in starts))
            or acts_on_me(m)
        )
        for m in public
        if m.start < subject.start or _by(raw, m)
    )


def _by(raw: list[str], mention: Mention) -> bool:
    """ "… by the Deputy Town Mayor", "getting messages from a Group Leader": the person who acted."""
    before = raw[max(0, mention.start - 3) : mention.start]
    sent = "from" in before and bool(SENT & set(raw[max(0, mention.start - 6) : mention.start]))
    return "by" in before or (sent and mention.meaning.party is not None)  # not "messages from strangers"


def _for(raw: list[str], mention: Mention) -> bool:
    """ "(writing) for a member who works as a caretaker", "on behalf of our clerk": whom the writer speaks for."""
    return bool({"for", "behalf"} & set(raw[max(0, mention.start - 3) : mention.start]))


def _ours(raw: list[str], mention: Mention) -> bool:
    """ "our (administrative) assistant", "my (fellow) colleague", "a member of my team": someone the
    writer speaks for."""
    return bool({"my", "our"} & set(raw[max(0, mention.start - 3) : mention.end]))


CONTACT_CUES = frozenset(
    {
        ("up", "with"), ("it", "with"), ("this", "with"), ("raise", "with"), ("raised", "with"),
        ("report", "to"), ("reported", "to"), ("complain", "to"), ("complained", "to"), ("escalate", "to"),
        ("escalated", "to"), ("speak", "to"), ("spoke", "to"), ("talk", "to"), ("talked", "to"),
        ("refer", "to"), ("referred", "to"), ("copied", "in"), ("informed", "the"), ("told", "the"),
    }
)  # fmt: skip
"""Words before someone the writer went to, or will go to, rather than whom the concern is about
("I shall be taking this up with the Leader")."""


def _most_specific(mentions: list[Mention], vocab: Vocabulary, raw: list[str]) -> Mention | None:
    """A named role ("the Town Mayor") over a whole side ("a councillor"), and anyone over someone the
    writer only went to; the first named among equals."""
    if not mentions:
        return None

    def rank(m: Mention) -> tuple[int, int, int]:
        party = m.meaning.party or "officer"
        general = m.meaning.kind in ("side", "job") or m.meaning.role == vocab.base_role(party)
        before = raw[max(0, m.start - 3) : m.start]
        contact = any(tuple(before[i : i + 2]) in CONTACT_CUES for i in range(len(before) - 1))
        return (1 if contact else 0, 1 if general else 0, m.start)

    return min(mentions, key=rank)


def _council_subject(mention: Mention, protocol: Protocol, reporter: Party | None) -> str | None:
    return procedure_role(protocol, reporter, mention.meaning.role, mention.meaning.party)


def procedure_role(protocol: Protocol, reporter: Party | None, role: str | None, party: Party | None) -> str | None:
    """The role id this council's procedure uses for someone in ``role``: a role its procedures do not
    name (a Monitoring Officer where the procedure lists Heads of Service and the Chief Executive) is
    treated as its side's base role, an employee like any other."""
    if reporter is not None:
        allowed = subject_roles(protocol, reporter)
        if role in allowed:
            return role
        same_side = [r for r in allowed if protocol.role_by_id[r].party == party] if party else []
        base = for_protocol(protocol).base_role(party) if party else None
        return base if base in same_side else (same_side[0] if same_side else None)
    return role


def subject_roles(protocol: Protocol, reporter: Party) -> list[str]:
    """Whom a concern from ``reporter`` can be about: the procedure's list, else the other side's roles."""
    listed: list[str] = []
    for procedure in protocol.procedures:
        if procedure.raised_by == reporter:
            listed += [r for r in procedure.about if r not in listed]
    return listed or [r.id for r in protocol.roles if r.party != reporter]


def _category(tokens: list[str], vocab: Vocabulary, reporter: Party | None) -> str | None:
    offered = [c.id for c in vocab.protocol.concerns if c.cites_for(reporter)]
    text = f" {' '.join(tokens)} "
    for phrase in vocab.not_concern:  # "I want to report him" is not about a report
        text = text.replace(f" {phrase} ", " ~ ")
    best: tuple[int, int, str] | None = None
    for index, concern in enumerate(offered):
        score = sum(len(p.split()) + 1 for p in vocab.concern_phrases.get(concern, []) if f" {p} " in text)
        if score and (best is None or (-score, index) < (best[0], best[1])):
            best = (-score, index, concern)
    return best[2] if best else None


def _gender(said: str) -> Gender | None:
    for pattern, gender in GENDER:
        for match in pattern.finditer(said):
            window = said[max(0, match.start() - 40) : match.end() + 20]
            if GENDER_CONTEXT.search(window):
                return gender  # type: ignore[return-value]
    if NO_PREFERENCE.search(said) and GENDER_CONTEXT.search(said):
        return "any"
    return None


def is_correction(text: str) -> bool:
    """Whether a message starts by correcting what was read ("no, I'm the employee", "actually …")."""
    said = " ".join(words(clean(text)[0]))
    return any(said == c or said.startswith(c + " ") for c in shared().corrections)
