"""Every word the bot says to people, in one place, so it can be read and reworded as a whole.

Plain words, short sentences, the clause reference every time, and always a next step. Braced
names are filled in with the council's own words ({Officers}, {Councillors}, {council}).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A command as help lists it. ``example`` is filled with the council's own data (``{councillor}``,
    ``{officer}``: its names for each side; ``{raiser}``: the side its first procedure is for; ``{ref}``:
    a clause it has), so help never shows an example that fails for that council."""

    name: str
    usage: str
    description: str
    example: str


COMMANDS: tuple[Command, ...] = (
    Command("help", "help", "Every command, with an example", "help"),
    Command(
        "roles", "roles [who]", "Roles and responsibilities: councillor, officer, chair, clerk…", "roles {councillor}"
    ),
    Command("expectations", "expectations <who>", "What one side can expect from the other", "expectations {officer}"),
    Command("principles", "principles", "The protocol's general principles", "principles"),
    Command("procedure", "procedure [who raises it]", "What to do when things go wrong", "procedure {raiser}"),
    Command("section", "section <number>", "One section or clause, word for word", "section {ref}"),
    Command("about", "about", "Which protocol this is: council, adoption, version", "about"),
    Command(
        "search",
        "search <words>",
        "Find the clauses that answer a question",
        "search can a councillor ask me to campaign?",
    ),
    Command("concern", "concern", "Raise a concern privately, in a direct message", "concern"),
    Command("forget", "forget", "Erase what I keep about your concern, at once", "forget"),
)
CHANNEL_COMMANDS: tuple[Command, ...] = (
    Command(
        "subscribe", "subscribe", "Admins: this channel follows the protocol and hears when it changes", "subscribe"
    ),
    Command("unsubscribe", "unsubscribe", "Admins: stop following the protocol here", "unsubscribe"),
    Command("remind", "remind weekly|monthly|off", "Admins: a short reminder from the protocol", "remind monthly"),
    Command("acks", "acks", "Admins: who has read the current version", "acks"),
)
HELP_CHANNELS = "In a channel:"
QUESTION_EXAMPLE = "can a councillor ask me to campaign?"
COMMAND_PREFIX = "/protocol"

USAGE_HINT = "help · roles · expectations · section · or ask a question"
"""The one-line hint a platform shows beside the command (Slack's usage hint, Teams' command list)."""

HELP_TITLE = "How to use /protocol"
HELP_INTRO = (
    "I quote {council}'s protocol on how councillors and officers work together, always with the clause "
    "number. Only you see my answers."
)
HELP_QUESTION = "Or just ask a question: `/protocol {example}`"
EMPTY_TITLE = "Ask me about the protocol"

EXPECTATIONS_TITLE = "What {who} can expect from {whom}"
EXPECTATIONS_ASK_TITLE = "Whose expectations?"
EXPECTATIONS_ASK = "Choose a side to read what it can expect from the other."
EXPECTATIONS_CHOICE = "What {who} can expect"
"""A button's label (short enough for a phone); the reply it opens says from whom."""
EXPECTATIONS_ROLE_NOTE = "{role} are {side}: here is what {side} can expect. {ref} says more about their role."

ROLES_TITLE = "Roles and responsibilities"
ROLES_ONE_TITLE = "The role of {role}"
ROLES_INTRO = "The roles {council}'s protocol describes. Choose one to read what it says."
ROLE_MISSING = "{council}'s protocol says nothing specific about {asked}. The nearest it has is {role}:"
ROLE_NOWHERE = "{council}'s protocol does not describe that role."

PRINCIPLES_TITLE = "General principles"
PRINCIPLES_MISSING = "{council}'s protocol has no separate section of general principles. The nearest it has:"
PRINCIPLES_NEAREST_QUERY = "mutual respect trust relationships treated equally principle"

PROCEDURE_TITLE = "When things go wrong"
PROCEDURE_FOR_TITLE = "When things go wrong: {heading}"
PROCEDURE_MISSING = (
    "{council}'s protocol does not set out a procedure for when things go wrong. What it does say {who} can expect:"
)
PROCEDURE_MISSING_SIDE = "{council}'s protocol sets out no procedure for {who}. It has this one:"
PROCEDURE_CHOOSE = "Which procedure?"

SECTION_TITLE = "Section {ref}"
SECTION_MISSING_TITLE = "No section {ref}"
SECTION_MISSING = "There is no section {ref} in {council}'s protocol."
SECTION_NEAREST = "The nearest: {refs}."
SECTION_LIST = "Its sections are: {refs}. `/protocol section all` shows it all."
SECTION_ASK_TITLE = "Which section?"
SECTION_ASK = "Choose one below, or type its number, for example `/protocol section {example}`."
WHOLE_INTRO = "{count} sections. Open any of them below."
WHOLE_TITLE = "The whole protocol"
WHOLE_WORDS = ("all", "whole", "everything", "full", "all sections", "whole protocol", "full text")

ABOUT_TITLE = "About this protocol"
ABOUT_LINES = (
    ("Council", "council"),
    ("Document", "title"),
    ("Adopted", "adopted"),
    ("Minute", "minute"),
)
"""What ``about`` shows, as label and value: words a council officer knows (no file paths, no internal
version numbers or document parts)."""
ABOUT_NOT_GIVEN = "The document gives no adoption date or minute reference."

SEARCH_TITLE = "What the protocol says"
SEARCH_ASK = "What would you like to find? For example `/protocol search {example}`."
SEARCH_NONE = "I couldn't find that in {council}'s protocol. Try other words, or one of these:"

UNKNOWN_WHO = "I don't recognise “{word}”. Try one of: {options}."
TYPO_NOTE = "Showing “{meant}” for “{typed}”."
TRUNCATED_NOTE = "Your message was long, so I read only the first {limit} characters."
SOMETHING_WRONG_TITLE = "Something went wrong"
BOT_NAME = "Protocol bot"
SOMEONE = "Someone"
"""The name used for a person whose name the platform would not give."""
"""Who a reply is from when no council could be told (an error before the council was known)."""
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again, or type `/protocol help`."

CHOICE_HELP = "Help"
CHOICE_ROLES = "Roles"
CHOICE_SECTION = "Section {ref}"

# --- raising a concern privately ---------------------------------------------------------------
CONCERN_TITLE = "Raise a concern privately"
CONCERN_PRIVACY = (
    "This conversation is private. I use what you type only to suggest the right route, then discard it.\n"
    "I keep only fixed answers — which side you are on, whom it is about, the kind of concern, what you've tried "
    "and any manager preference — never your words, for up to {hours} hours; type `forget` to erase them now."
)
CONCERN_DESCRIBE = "Answer a few questions with the buttons, or describe the concern in your own words."
CONCERN_CONTINUE = "Welcome back. Here is where we were:"
CONCERN_OFFER = (
    "If this is happening to you, I can help you privately: who to talk to and which clauses apply. "
    "Choose Raise a concern privately."
)
CONCERN_MOVED = "I've sent you a private message so we can talk about this there."

ASK_REPORTER = "First, which fits?"
REPORTER_LABEL = {
    "officer": "{Officer}, about a {Councillor}",
    "councillor": "{Councillor}, about an {Officer}",
    "other": "Something else",
}
ASK_SUBJECT = "Who is the concern about?"
ASK_CATEGORY = "What is it about? Choose the closest."
OTHER_CATEGORY = "Something else"
ASK_INFORMAL = "Have you already tried to sort it out informally, for example by talking to someone?"
INFORMAL_LABEL = {"yes": "Yes, I've tried", "no": "Not yet", "unsure": "Not sure"}
ASK_GENDER = "The protocol lets you approach a male or a female manager. Would you rather speak to…"
GENDER_LABEL = {"female": "A female manager", "male": "A male manager", "any": "No preference"}
NOT_UNDERSTOOD = "Sorry, I didn't follow that."
AFTER_ADVICE = (
    "My suggestions are in my last message. Choose an option below, or describe a new concern in your own words."
)

READING = "I understand: {summary}. If that's wrong, just tell me (for example “no, I'm {other_side}”)."
NEW_CONCERN = "That sounds like a new concern, so I've started afresh."
CORRECTED = "Thanks — I've changed that."
SUMMARY_REPORTER = "you're {who}"
SUMMARY_WITNESS = "you're raising it for someone else, who is {who}"
SUMMARY_SUBJECT = "concerned about {whom}"
SUMMARY_CATEGORY = "about {what}"
SUMMARY_TRIED = {
    "upheld": "a grievance or complaint about it has been upheld",
    "yes": "you've tried to sort it out informally",
    "no": "you haven't tried informally yet",
    "unsure": "you're not sure whether informal steps were tried",
}
SUMMARY_GENDER = {
    "female": "you'd rather speak to a female manager",
    "male": "you'd rather speak to a male manager",
    "any": "you have no preference between a male and a female manager",
}

RECOMMEND_TITLE = "Your options under the protocol"
RECOMMEND_CLAUSES = "What {council}'s protocol says about this:"
RECOMMEND_ROUTE_HEADING = {
    "informal": "Informal route — usually the place to start",
    "informal-next": "Informal route",
    "formal": "Formal route",
    "formal-next": "Formal route — the next step, as you've tried informally",
    "outcome": "What happens next",
    "related": "Also referred to by the protocol",
    "prohibition": "What the protocol says not to do",
}
RECOMMEND_UNDER = "Under: {bodies}"
RECOMMEND_WHO = "Who: {people}"
RECOMMEND_WHO_ROLES = "Who: {roles} (your council has not named anyone for this in chatops)"
NO_PROCEDURE = (
    "{council}'s protocol does not set out a procedure for raising a concern, so I can't point you to one. "
    "The clauses above are what it says applies."
)
NO_PROCEDURE_CONTACTS = "People {council} has named in chatops for these matters:"
NO_PROCEDURE_NO_CONTACTS = "{council} has not named anyone in chatops to contact about these matters."
RECOMMEND_KEPT = (
    "I keep these fixed answers (not your words) for {hours} hours so you can come back. "
    "Type `forget` to erase them now."
)
WITNESS_NOTE = (
    "As you're raising this for someone else: these are the routes open to them. It is their choice whether to "
    "use them; you could share this with them, or they can talk to me privately."
)
UPHELD_NOTE = "As a grievance or complaint has been upheld, what happens next comes first."
OUTSIDE_TITLE = "Outside this protocol"
OUTSIDE = {
    "same-side": (
        "This sounds like a concern between two {Councillors} or between two {Officers}. {council}'s protocol "
        "covers how {Councillors} and {Officers} work with each other, so it doesn't set out a route for this."
    ),
    "public": (
        "This sounds like a concern about someone who is neither a {Councillor} nor an {Officer}, such as a member "
        "of the public. {council}'s protocol covers only how {Councillors} and {Officers} work with each other, "
        "so it doesn't set out a route for this."
    ),
    "other": (
        "{council}'s protocol covers only how {Councillors} and {Officers} work with each other, so it doesn't "
        "set out a route for this."
    ),
}
OUTSIDE_CONTACTS = "People {council} has named in chatops who can advise:"
OUTSIDE_NO_CONTACTS = (
    "{council} has not named anyone in chatops for this. Your manager or the council's main office can advise."
)
CHOICE_IN_SCOPE = "It's between a {Councillor} and an {Officer}"

CHOICE_CONCERN = "Raise a concern privately"
CHOICE_HANDOFF = "Ask {name} to contact me"
CHOICE_RESTART = "Start again"
CHOICE_CHANGE_CATEGORY = "Change what it's about"
CHOICE_FORGET = "Forget my answers"
CHOICE_SEND = "Send it"
CHOICE_DONT_SEND = "Don't send"

HANDOFF_TITLE = "Check before I send"
HANDOFF_PREVIEW = "I will send exactly this to {person}, and nothing else — none of your answers:"
HANDOFF_MESSAGE = (
    "{name} would like to talk to you about a member/officer relations matter. Please get in touch with them directly."
)
HANDOFF_SENT_TITLE = "Message sent"
HANDOFF_NOT_SENT_TITLE = "Message not sent"
HANDOFF_SENT = "Sent to {person}. They'll get in touch with you directly."
HANDOFF_FAILED = "I couldn't deliver that message to {person}, so nothing was sent. You could contact them directly."
HANDOFF_CANCELLED = "Nothing was sent."
HANDOFF_CONSOLE = "(In the console nothing leaves this terminal.)"

FORGOTTEN_TITLE = "Forgotten"
FORGOTTEN = "I've erased your answers. Nothing about this conversation is kept."
NOTHING_TO_FORGET = "I had nothing kept about you. Nothing about this conversation is kept."

SAFETY_TITLE = "If anyone is in danger"
SAFETY_999 = "If you or anyone else is in immediate danger, call 999 now."
SAFETY_SELF_HARM = "If you are thinking about harming yourself, you can talk to Samaritans, free, any time: 116 123."
SAFETY_REPORTING = "{council}'s protocol refers to the council's procedure for confidential reporting ({ref})."
SAFETY_REPORTING_CONTACT = "Confidential reporting: {people}"

# --- the home page (Slack App Home) ---------------------------------------------------------------
HOME_INTRO = "{council}'s {title}: how its councillors and officers work together."
HOME_ASK = (
    "To ask me anything, type your question in the Messages tab above, or type `/protocol` and a question "
    "in any channel: only you see my answer."
)
HOME_VERSION = "Current version: {version}."
HOME_PRIVATE = (
    "The buttons below answer in the Messages tab, privately. To raise a concern, choose Raise a concern privately."
)
HOME_QUICK = {
    "expectations officer": "What {Officers} can expect",
    "expectations councillor": "What {Councillors} can expect",
    "roles": "Roles",
    "procedure": "When things go wrong",
    "about": "About this protocol",
}

# --- Microsoft Teams ---------------------------------------------------------------------------
SLACK_MORE = "That is the first section. Choose a section below to read it word for word."
CARD_SHOW = "Show the words ▾"
CARD_HIDE = "Hide ▴"
CARD_CHOOSE = "Choose"
CARD_CHOOSE_FIRST = "Choose one of these first."
OPEN_PRIVATE_CHAT = (
    "For your privacy I only talk about concerns in a private chat, and I couldn't open one with you. "
    "Open a chat with me and type concern."
)

# --- channel subscriptions, announcements and reminders ----------------------------------------
ANNOUNCE_TITLE = "The protocol has changed"
ANNOUNCE_INTRO = "{council} has a new version of its {title}{adopted}. What changed:"
ANNOUNCE_CHANGED = "now reads ({heading})"
ANNOUNCE_ADDED = "added ({heading})"
ANNOUNCE_WAS = "It replaces: {old}"
ANNOUNCE_REMOVED = "§{ref} {heading} has been removed."
CHOICE_ACK = "I've read it"
CHOICE_READ_ALL = "Read the whole protocol"
CHOICE_READ_SECTION = "Read section {ref}"
REMINDER_TITLE = "A reminder from the protocol"
REMINDER_INTRO = "From {council}'s protocol on how councillors and officers work together:"

SUBSCRIBED = "This channel now follows {council}'s protocol: it will be told, clause by clause, when it changes."
ALREADY_SUBSCRIBED = "This channel already follows {council}'s protocol."
UNSUBSCRIBED = "This channel no longer follows the protocol."
NOT_SUBSCRIBED = "This channel does not follow the protocol. An admin can type `/protocol subscribe`."
REMIND_SET = {
    "weekly": "This channel will get a short reminder from the protocol every week.",
    "monthly": "This channel will get a short reminder from the protocol every month.",
    "off": "Reminders are off for this channel.",
}
REMIND_USAGE = "Use `/protocol remind weekly`, `/protocol remind monthly` or `/protocol remind off`."
ADMINS_ONLY = (
    "Only a workspace admin, a team owner or someone named by your IT team can change what this channel follows. "
    "Ask one of them, or use `/protocol` to look things up yourself."
)
ADMINS_UNCHECKED = (
    "I couldn't check just now whether you are an admin or owner here, so I haven't changed anything. "
    "Please try again in a few minutes; if it keeps happening, ask your IT team to check the app's permissions."
)
CHANNEL_ONLY = "Use this in the channel you want to change, not in a private message."

# --- which council a workspace (Slack) or tenant (Teams) is: /protocol council ------------------------
COUNCIL_COMMAND = "council"
CONCERN_COMMAND = "concern"  # `/protocol concern`: start a concern in a private chat
FORGET_COMMAND = "forget"  # `/protocol forget`: erase what is kept about one's concern
COUNCIL_TITLE = "Which council"
COUNCIL_LINE = "• `{id}` — {name}"
COUNCIL_CHOOSE = (
    "I serve several councils and don't know yet which one you belong to. A workspace admin or team owner "
    "can choose by typing `/protocol council` and the council's id, for example `/protocol council {example}`:\n"
    "{councils}"
)
COUNCIL_NOW = (
    "Here I use {council}'s protocol. A workspace admin or team owner can change that with "
    "`/protocol council` and one of these ids:\n{councils}"
)
COUNCIL_CHOSEN = "From now on I use {council}'s protocol here. Type `/protocol help` to see what you can ask."
COUNCIL_UNKNOWN = "I don't know a council with the id `{typed}`. Choose one of these:\n{councils}"
COUNCIL_FIXED = (
    "Here I use {council}'s protocol, as set by whoever runs this service, so it can't be changed with "
    "`/protocol council`. If it is wrong, please tell them."
)
COUNCIL_ADMINS_ONLY = (
    "Only a workspace admin, a team owner or someone named by your IT team can choose the council. "
    "Ask one of them to type `/protocol council` and the council's id."
)
COUNCIL_NOWHERE = "The council is chosen for a whole Slack workspace or Teams organisation, from there."
ACKED = "Thank you: I've noted that you have read {version} of {council}'s protocol."
ALREADY_ACKED = "You had already noted that you read this version. Thank you."
ACKS_TITLE = "Who has read the current version"
ACKS_COUNT = "{people} noted that they read {version} of {council}'s protocol:"
ACKS_PEOPLE = ("1 person has", "{count} people have")
ACKS_NONE = "No one has noted reading {version} of {council}'s protocol yet."
ACKS_NO_VERSION = "No version of {council}'s protocol has been announced yet."
SUBSCRIPTION_TITLE = "Channel updates"

VERSION_ADOPTED = "the version adopted {adopted}"
VERSION_MINUTE = "the version of Minute {minute}"
VERSION_ANNOUNCED = "the version of {date}"
VERSION_CURRENT = "the current version"


def counted(forms: tuple[str, str], count: int) -> str:
    """``forms`` (one, many) with the count filled in: "1 person has", "3 people have"."""
    return (forms[0] if count == 1 else forms[1]).format(count=count)


def version_label(adopted: str | None, minute: str | None, announced: str | None = None) -> str:
    """A version as people know it: its adoption date and minute, else the day it was announced; never an id."""
    if adopted:
        return VERSION_ADOPTED.format(adopted=adopted) + (f" (Minute {minute})" if minute else "")
    if minute:
        return VERSION_MINUTE.format(minute=minute)
    return VERSION_ANNOUNCED.format(date=announced) if announced else VERSION_CURRENT
