"""How people ask versus how protocols are written: query words → the protocol's own words.

Each entry maps words a user types to words found in member/officer protocols generally (not in
one council's file), so a new council's protocol benefits without edits here. Expansions score
lower than the words actually typed.
"""

from __future__ import annotations

CONCEPTS: list[tuple[str, str]] = [
    # (words people type, words protocols use)
    (
        "campaign campaigning canvass canvassing leaflet leaflets electioneering election elections partisan "
        "party parties politics",
        "party political nature group neutrality impartiality",
    ),
    (
        "bully bullying bullied harass harassed harassment intimidate intimidated intimidating shout shouted "
        "shouting threaten threatened threatening abuse abusive aggressive hostile belittle undermine "
        "undermined pressured pressure pressuring pressurised pressurising lean force forced",
        "bullied bullying undue pressure pressurise",
    ),
    (
        "change changing alter altering amend rewrite reword overrule contrary disagree",
        "contrary recommendation pressurise professional view",
    ),
    (
        "report reports recommendation recommendations advice advise",
        "report reports recommendation advice professional",
    ),
    (
        "punish punished punishment retaliate retaliation victimise victimised victimize victimized blame "
        "blamed revenge",
        "victimise discharging responsibilities",
    ),
    (
        "rude rudeness disrespect disrespectful insult insulting swear swearing impolite polite manners courteous "
        "respectful",
        "respect courtesy dignity",
    ),
    ("confidential secret secrets leak leaked leaking gossip gossiping private discreet discretion", "confidentiality"),
    (
        "friend friends friendship friendly dating date romantic romance affair close familiar mates pally social "
        "socialise",
        "close personal relationships familiarity",
    ),
    (
        "favour favours favouritism favourite favoritism favorite preferential bias biased partial unfair",
        "preferential treatment special relationships favours",
    ),
    (
        "reply replies respond responding response answer answering ignore ignored ignoring slow quickly fast "
        "chase chasing email emails calls",
        "timely response enquiries",
    ),
    ("information info update updates briefing briefings brief informed", "information regular date"),
    ("training train course courses learn learning induction", "training development"),
    (
        "gain benefit business gift gifts perk perks advantage brother sister family relative "
        "relatives planning contract",
        "personal interests advance improperly others",
    ),
    ("code conduct rules ethics ethical standards", "code conduct"),
    ("follow obey abide adhere stick breach breaches breaking", "comply"),
    (
        "manage managing management interfere interfering interference meddle meddling micromanage "
        "micromanaging operational run running office",
        "day management running involve",
    ),
    (
        "neutral neutrality impartial impartiality independent apolitical unbiased",
        "political neutrality impartiality views",
    ),
    (
        "complain complaint complaints grievance grievances dissatisfied unhappy concern concerns worried "
        "wrong broke broken",
        "grievance complaint dissatisfied concern wrong break",
    ),
    ("problem problems issue matter matters", "issues matter"),
    ("go goes turn contact escalate escalating approach", "approach raised recourse"),
    ("discipline disciplinary disciplined sack sacked fire fired dismiss dismissal", "disciplinary procedure"),
    ("whistleblow whistleblowing whistleblower report wrongdoing", "confidential reporting"),
    (
        "responsibility responsibilities responsible duty duties job role roles remit",
        "responsibility responsibilities role main areas",
    ),
    ("accountable answer", "responsible"),
    ("work employ employer", "responsible council"),
    ("legal law legally statutory", "law statutory"),
    ("personal private life home health", "personal issues"),
    ("leadership lead leading direction steer", "leadership direction"),
    ("trust trusting", "trust"),
    (
        "junior vulnerable seniority senior unreasonable demands demand demanding requests request",
        "reasonable requests seniority vulnerability junior",
    ),
    ("formal informal formality", "informality"),
    ("override overrides supersede law laws legislation", "legislation context codes"),
    ("sorted resolved resolve fix settle", "resolved informally"),
    ("purpose aim intended point why", "intended aim"),
    ("equal equally same differently different fair treatment treated", "treated equally same rights"),
    ("upheld uphold succeeds successful", "upheld"),
    ("female woman women male man men gender", "male female manager"),
    ("scrutiny overview", "scrutiny overview"),
    ("administration ruling majority", "administration"),
    ("expect expectations entitled entitle", "expect"),
]

REWRITES: list[tuple[str, str]] = [
    # (a phrase as typed, regex) → words that say what it means; applied before words are split
    (r"\bresponsible for\b", "responsibility"),
    (r"\b(?:answer|answers|answerable|report|reports|accountable) to\b", "responsible to"),
    (r"\bwho (?:do|can|should|could) (?:i|we) (?:go|turn|speak|talk|complain) to\b", "approach raised recourse"),
    (r"\bwhat can (?:i|we) do\b", "approach raised recourse"),
]

PARTY_STEMS: dict[str, str] = {
    # role words people type → the words protocols use for that side
    "councillor": "councillor member",
    "officer": "officer employee",
    "clerk": "clerk officer",
    "chair": "chairmen chairs",
    "cabinet": "cabinet",
    "opposition": "opposition",
    "statutory": "statutory law",
    "head-of-service": "head service",
    "corporate-director": "corporate director",
    "chief-executive": "chief executive",
    "monitoring-officer": "monitoring officer",
    "head-of-hr": "human resources",
}
