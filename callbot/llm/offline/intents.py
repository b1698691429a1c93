"""What the caller wants, from their latest utterance, checked in priority order:

1. `refuse`: a prompt injection or a request outside policy (other people's contact details, other
   customers, a discount "no matter what");
2. `human`: a person; 3. `goodbye`; 4. `cancel`, `reschedule`, `book`: the calendar;
5. `question`: a product question (price, integrations, security, data location, trial, onboarding).

English phrasings, and French ones for a person, goodbye and price questions.
"""

from __future__ import annotations

import re

from callbot.llm.offline.dates import mentions_time


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.IGNORECASE)


REFUSE = _any(
    r"\b(?:ignore|forget|disregard|override)\b.{0,40}\b(?:instructions?|prompt|rules|guidelines|programming)\b",
    r"\byou are now\b|\byou're now\b|\bfrom now on,? you\b|\bpretend (?:to be|you)\b",
    r"\b(?:reveal|print|show|repeat|recite|read|output|tell me|give me|what(?:'s| is| are))\b.{0,30}"
    r"\b(?:system prompt|your prompt|your instructions|hidden instructions|call.state|your rules)\b",
    r"\bsystem prompt\b|\bprompt système\b|\b(?:ignore[zr]?|oublie[zr]?) (?:tes|vos|les) (?:instructions|consignes)\b",
    r"^(?=.*\b(?:what|give|tell|share|send|know|find|get|have)\b).*"
    r"\b(?:phone number|cell number|mobile number|email|e-mail|email address|contact details?|home address)"
    r"\s+(?:of|for)\s+"
    r"(?!(?:you|your (?:company|office|sales|team|support)|the sales|sales|northwind|me|my|our|us)\b)\w+",
    r"\b(?!(?:my|your|our|company|team|sales|northwind)'s)\w+'s (?:phone|cell|mobile|number|email|e-mail|home address)",
    r"\bother (?:customers|clients)\b|\b(?:list|names? of|who are) (?:some of )?your (?:customers|clients)\b",
    r"\bno matter what\b|\byou (?:have|must|need) to give me\b",
)

HUMAN_TARGET = (r"(?:a |an |the |one of your |your )?(?:real |live |actual )?(?:person|human(?: being)?|someone|"
                r"somebody|representative|rep|agent|operator|sales ?reps?|salesperson|sales person|colleague|manager|"
                r"supervisor)")
HUMAN = _any(
    rf"\b(?:talk|speak|chat)\s+(?:to|with)\s+{HUMAN_TARGET}\b",
    rf"\b(?:connect|transfer|put)\s+me\b.{{0,20}}{HUMAN_TARGET}\b",
    rf"\b(?:i want|i'd like|i would like|can i (?:get|have)|could i (?:get|have)|i need)\s+{HUMAN_TARGET}\b"
    r"(?!\s+(?:to|who|that|for)\b)",
    rf"^\W*(?:um |uh |ok |okay |yes |hi )?(?:can i get |get me )?{HUMAN_TARGET}(?:,? please)?\W*$",
    r"\bparler (?:à|a|avec) (?:quelqu'un|un humain|une personne|un conseiller|un commercial|un agent)\b",
    r"\b(?:un humain|une vraie personne|un conseiller)\b",
)

GOODBYE = re.compile(r"\b(?:bye|goodbye|good bye|bye-bye|nothing else|that will be all|have a (?:good|nice|great) "
                     r"(?:day|one)|au revoir|bonne journée|rien d'autre|c'est tout)\b", re.IGNORECASE)
GOODBYE_UNLESS_CONFIRMING = re.compile(r"\bthat'?s (?:all|it)\b", re.IGNORECASE)

CANCEL = re.compile(r"\bcancel\b.{0,20}\b(?:meeting|appointment|demo|call|booking)\b|\bcancel (?:it|that)\b|"
                    r"\bannuler\b", re.IGNORECASE)
RESCHEDULE = re.compile(r"\bre-?schedule\b|\b(?:move|change|push|shift)\s+(?:my|the|our|this|that)\s+(?:meeting|"
                        r"appointment|demo|booking|call)\b(?!\s+notes)|\bdéplacer\b", re.IGNORECASE)
BOOK = re.compile(r"\b(?:book|schedule|set up|setup|arrange)\b.{0,25}\b(?:demo|meeting|call(?!\s*cent)|appointment|time|"
                  r"slot)\b|\bschedule\b|\b(?:want|like|get|need|see)\b.{0,12}\bdemo\b|"
                  r"\bprendre (?:un )?rendez-vous\b|\bréserver\b", re.IGNORECASE)

PRODUCT_QUESTION = _any(
    r"\bwhat does (?:it|northwind voice|northwind|that) cost\b|\bhow much\b|\bpric(?:e|es|ed|ing)\b",
    r"\bdo you integrate\b|\bdoes it (?:work|integrate|connect)\b|\bwork with\b|\bintegrat(?:e|es|ion|ions)\b",
    r"\bsecur(?:e|ity)\b|\bsoc ?2\b|\bgdpr\b|\bcomplian(?:t|ce)\b|\bwhere is (?:the|my|our) data\b|"
    r"\bdata (?:stored|hosted|residency|location)\b",
    r"\bfree trial\b|\btrial\b|\bonboarding\b|\bdo you (?:have|offer|support)\b|\bis there an?\b|\bcan it\b",
    r"\bhow does it work\b|\bwhat does (?:it|northwind voice|northwind) do\b|\bfeatures?\b|\bplans?\b",
    r"\bcombien\b|\bprix\b|\btarifs?\b|\bcoût\b|\bcoûte\b|\bintègre\b|\bintégration\b|\bsécurité\b|\bessai gratuit\b",
)
# Topic words alone ("we need an integration") state a need; with a question form they ask.
ALWAYS_A_QUESTION = re.compile(r"\bhow much\b|\bwhat does (?:it|northwind voice|northwind|that) cost\b|"
                               r"\bdo you (?:integrate|have|offer|support)\b|\bdoes it\b|\bis there an?\b|"
                               r"\bcan it\b|\bwhere is (?:the|my|our) data\b|\bcombien\b", re.IGNORECASE)
QUESTION_FORM = re.compile(r"\?|^\W*(?:what|how|which|where|when|why|who|do|does|did|is|are|can|could|would|will|"
                           r"tell me|est-ce)\b|\b(?:what|how|know|hear|learn|tell me|wondering|curious|question|"
                           r"quel|quelle)\b", re.IGNORECASE)
PRODUCT_TOPIC_ONLY = 4  # a short utterance naming a topic ("pricing", "integrations?") asks about it


def classify(text: str, confirming: bool = False) -> str | None:
    """The intent of `text`; `confirming` when the bot just asked a yes/no question, so that
    "that's it" confirms rather than ends the call."""
    if REFUSE.search(text):
        return "refuse"
    if HUMAN.search(text):
        return "human"
    if GOODBYE.search(text) or (not confirming and GOODBYE_UNLESS_CONFIRMING.search(text)):
        return "goodbye"
    for intent, pattern in (("cancel", CANCEL), ("reschedule", RESCHEDULE), ("book", BOOK)):
        if pattern.search(text):
            return intent
    if is_product_question(text):
        return "question"
    return None


def is_product_question(text: str) -> bool:
    if not PRODUCT_QUESTION.search(text) or mentions_time(text):
        return False
    return bool(ALWAYS_A_QUESTION.search(text) or QUESTION_FORM.search(text)
                or len(text.split()) <= PRODUCT_TOPIC_ONLY)
