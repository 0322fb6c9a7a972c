"""Every word the bot says to people, in one place, so it can be read and reworded as a whole.

Plain words, short sentences, the clause reference every time, and always a next step. Braced
names are filled in with the council's own words ({Officers}, {Councillors}, {council}).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    description: str
    example: str


COMMANDS: tuple[Command, ...] = (
    Command("help", "help", "Every command, with an example", "help"),
    Command(
        "roles", "roles [who]", "Roles and responsibilities: councillor, officer, chair, clerk…", "roles councillor"
    ),
    Command("expectations", "expectations <who>", "What one side can expect from the other", "expectations officer"),
    Command("principles", "principles", "The protocol's general principles", "principles"),
    Command("procedure", "procedure [employee|member]", "What to do when things go wrong", "procedure employee"),
    Command("section", "section <number>", "One section or clause, word for word", "section 4.2"),
    Command("about", "about", "Which protocol this is: council, adoption, version", "about"),
    Command(
        "search",
        "search <words>",
        "Find the clauses that answer a question",
        "search can a councillor ask me to campaign?",
    ),
)
QUESTION_EXAMPLE = "can a councillor ask me to campaign?"
COMMAND_PREFIX = "/protocol"

USAGE_HINT = "expectations officer · roles councillor · section 4.2 · or ask a question"
"""The one-line hint a platform shows beside the command (Slack's usage hint, Teams' command list)."""

HELP_TITLE = "How to use /protocol"
HELP_INTRO = (
    "I quote {council}'s protocol on how councillors and officers work together, always with the clause "
    "number. Only you see my answers."
)
HELP_QUESTION = "Or just ask a question: `/protocol {example}`"
EMPTY_TITLE = "Ask me about the protocol"

EXPECTATIONS_TITLE = "What {who} can expect from {whom}"
EXPECTATIONS_ASK = "Whose expectations? Choose a side."
EXPECTATIONS_REVERSE = "What {whom} can expect from {who}"
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
SECTION_MISSING = "There is no section {ref} in {council}'s protocol."
SECTION_NEAREST = "The nearest: {refs}."
SECTION_LIST = "Its sections are: {refs}."
SECTION_ASK = "Which section? For example `/protocol section {example}`."

ABOUT_TITLE = "About this protocol"
ABOUT_LINES = (
    ("Council", "council"),
    ("Document", "title"),
    ("Part of", "document_section"),
    ("Adopted", "adopted"),
    ("Minute", "minute"),
    ("Version", "version"),
    ("Source", "source"),
)
ABOUT_NOT_GIVEN = "The document gives no adoption date or minute reference."

SEARCH_TITLE = "What the protocol says"
SEARCH_ASK = "What would you like to find? For example `/protocol search {example}`."
SEARCH_NONE = "I couldn't find that in {council}'s protocol. Try other words, or one of these:"

UNKNOWN_WHO = "I don't recognise “{word}”. Try one of: {options}."
TYPO_NOTE = "Showing “{meant}” for “{typed}”."
TRUNCATED_NOTE = "Your message was long, so I read only the first {limit} characters."
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again, or type `/protocol help`."

CHOICE_HELP = "Help"
CHOICE_ROLES = "Roles"
CHOICE_SECTION = "Section {ref}"
