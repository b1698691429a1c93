"""The knowledge specialist's rules: answer product questions only from the passages the search
returns, name the page they come from, and say so plainly when there is none."""

from __future__ import annotations

import re

from callbot.agents.knowledge.tools import note_unanswered, search_knowledge
from callbot.agents.supervisor.tools import transfer_to_calendar, transfer_to_lead
from callbot.knowledge.keyword_index import keyword_terms
from callbot.knowledge.memory import keywords
from callbot.llm.offline.intents import QUESTION_FORM, about_bot, classify, is_product_question, small_talk
from callbot.llm.offline.turn import Decision, ToolResult, Turn
from callbot.phrases import Phrase, phrase
from callbot.spoken import SENTENCE_END, join

SHORT_SENTENCE = 80  # a first sentence this short is followed by the second one


def first_sentences(text: str) -> str:
    """The first sentence of `text`, and the second when the first is short, verbatim."""
    sentences = [s for s in SENTENCE_END.split(" ".join(text.split())) if s]
    if not sentences:
        return ""
    if len(sentences) > 1 and len(sentences[0]) < SHORT_SENTENCE:
        return f"{sentences[0]} {sentences[1]}"
    return sentences[0]


REPHRASED = re.compile(r"\W*(?:like|i mean|you know|as in|meaning)\b,?", re.IGNORECASE)  # "Like, actually sound like me?"
FOLLOW_UP_WORDS = 4  # a question this short after another one completes it ("Like per person?")
OF_THE_SAME = re.compile(r"^\W*(?:and\s+)?(?:who|when|where|why|how often)\b[^?]*\b(?:it|that|them)\b", re.IGNORECASE)
POINTING_WORDS = 6  # a question this short that points back ("Who does it, and how often?") asks of the last one


def questions(text: str) -> list[str]:
    """The product questions in what the caller said, one per sentence ("How much is it per user? And
    is there a discount if we pay yearly?" is two searches); the whole utterance when none stands alone."""
    sentences = [s.strip() for s in re.findall(r"[^.!?]+[.!?]?", text) if s.strip()]
    asked = []
    for sentence in sentences:  # the part that asks, without "I'm X from Y, we're evaluating vendors —"
        for part in (p.strip() for p in re.split(r"\s+[—–]\s+|\s+-\s+|;\s*|:\s+", sentence) if p.strip()):
            clauses = [c.strip() for c in re.split(r"(?<!\blike)(?<!\bi mean)(?<!\bor rather),\s+"  # (a rephrasing)
                                                    r"(?=(?:and |so |but |et |mais )?(?:does|do|is|are|can|could|how|what|"
                                                    r"where|when|which|whether|est-ce|combien|comment|quel|quelle|où|"
                                                    r"peut-on|y a-t-il)\b)", part) if c.strip()]
            asking = [c for c in clauses  # (a clause of a question is asked too: "can you X, and how long ...?")
                      if is_product_question(f"{c.rstrip(',')}?" if part.endswith("?") and not c.endswith("?") else c)
                      and not CONDITION.match(c)]  # ("If we go with the bigger plan, do we get ...": one question)
            if asked and asked[-1].endswith("?") and part.endswith("?") and (
                    REPHRASED.match(part) or (len(part.split()) <= POINTING_WORDS and OF_THE_SAME.search(part))):
                asked[-1] = f"{asked[-1]} {part}"  # "... on our own servers? Like, on-prem?": said again; "Do you
                # do penetration testing? Who does it, and how often?": of the same thing
            elif len(asking) > 1:  # two questions in one breath: searched one by one, a later one that says
                asked += [asking[0], *(f"{c} {asking[0]}" if IT.search(c) else c for c in asking[1:])]  # "it" with
                # what it is ("how long onboarding takes, and whether we get a dedicated person to help us with it")
            elif is_product_question(part) or asking:
                asked.append(part)  # one question, with what the caller said around it
            elif asked and asked[-1].endswith("?") and part.endswith("?") and len(part.split()) < FOLLOW_UP_WORDS:
                asked[-1] = f"{asked[-1]} {part}"  # "How much does it cost? Like per person?": one question
            elif asked and asked[-1].endswith("?") and part.endswith("?") and not (small_talk(part) or about_bot(part)):
                asked.append(part)  # "... en Europe ? Et est-ce qu'on peut se connecter avec Okta ?": the next one
    asking = [a for a in asked if QUESTION_FORM.search(a)]
    found = (asking if len(asking) < len(asked) and asking else asked) or [text]  # "... HubSpot ? C'est notre CRM."
    direct = [part.strip() for part in re.split(r"(?<=[.!?])\s+|:\s+", text) if part.strip().endswith("?")]
    if direct and not any(q.rstrip().endswith("?") for q in found) and \
            not any(q in d or d in q for q in found for d in direct):
        found = direct  # "my legal team sent one question: which outside companies would touch our data?"
    found = [_with_what_it_points_to(q, text) for q in found]
    return [standalone(_with_its_setting(found[0], text) if len(found) == 1 else q) for q in found]


def asked_of(turn: Turn) -> list[str]:
    """The questions of the caller's latest utterance (`questions`); a first one that follows up on the
    question of the utterance before, with that question ("What uptime do you commit to?" ... "And if you
    miss it, what do we get back?")."""
    asked = questions(turn.utterance or "")
    said = turn.caller_said()
    if len(said) >= 2 and len(asked) == 1 and FOLLOWS_UP.search(turn.utterance or "") and \
            not is_product_question(turn.utterance or "") and \
            len(keyword_terms(asked[0], turn.language[:2])) <= FOLLOW_UP_TERMS and is_product_question(said[-2]):
        before = [q for q in questions(said[-2]) if QUESTION_FORM.search(q)]
        if before:
            asked[0] = f"{before[-1]} {asked[0]}"
    return asked


FOLLOWS_UP = re.compile(r"^\W*(?:and|so|but|what about|how about|et|mais)\b.*\b(?:it|that|this|them|those|ça|cela)\b|"
                        r"^\W*(?:what|how) about (?:it|that|this|them|those)\b", re.IGNORECASE)
FOLLOW_UP_TERMS = 3  # a follow-up names little of its own
CONDITION = re.compile(r"\W*(?:and |so |but )?(?:if|once|since|because|si|quand)\b", re.IGNORECASE)
IT = re.compile(r"\b(?:with|for|on|about|into|of|from|through|keep|port|move|transfer) (?:it|them)\b", re.IGNORECASE)
# ("help us with it": a thing said before; "does it plug into HubSpot?": the product)
POINTS_BACK = re.compile(r"\b(?:that|this|those|these|them)\b(?!\s+(?:one|way|kind|sort|is|are)\b)|"
                         r"\b(?:keep|port|move|transfer|bring|reuse) it\b|"  # ("our toll-free number. Can we keep it?")
                         r"\b(?:peut|pouvons|pourrait|pourrions|faut|doit|dois|veux|voudrais)(?:-on)?\s+(?:le|la|les|l')\s*"
                         r"(?=[a-zéèêà]{3,})", re.IGNORECASE)  # (or "est-ce qu'on peut le garder ?": what was said before)


def _with_what_it_points_to(question: str, text: str) -> str:
    """`question`, with the sentence before it when it points back to it ("We have a Cisco phone system.
    Could your assistant work with that?") and names nothing itself."""
    start = text.find(question)
    if start <= 0 or not POINTS_BACK.search(question) or re.search(r"(?<=\w\s)[A-Z]", question):
        return question
    before = [s.strip() for s in re.findall(r"[^.!?]+[.!?]?", text[:start]) if s.strip()]
    return f"{before[-1]} {question}" if before and not before[-1].endswith("?") else question


SETTING = re.compile(r"\b[A-Z]{3,}[0-9]*\b|\b[Ww]e(?: use|'re on| are on| run)\s+(?:[a-z]+\s+)?[A-Z]")
INTRODUCES = re.compile(r"\b(?:i'm|i am|my name|this is|calling from|i work)\b", re.IGNORECASE)


def _with_its_setting(question: str, text: str) -> str:
    """`question`, with the sentence said around it that names the setting it is asked in: a
    regulation or a product in capitals ("... stored? We have people in Europe, so GDPR matters to us.")
    or what the caller uses ("Does it connect to our CRM? We use HubSpot."), not who they are."""
    if question not in text:
        return question
    around = [s.strip() for s in re.split(r"(?<=[.!?:])\s+", text.replace(question, " ")) if s.strip()]
    setting = [s for s in around if SETTING.search(s) and not INTRODUCES.search(s) and not s.endswith("?")]
    return " ".join([question, *setting[:1]])


HESITATION = re.compile(r",?\s*\b(?:um+|uh+|erm)\b,?(?=\s)", re.IGNORECASE)
HEADCOUNT = re.compile(r"\bfor\s+(?:(?:a|an|our|my)\s+(?:[\w-]+\s+)?(?:firm|team|company|office|business|shop|practice|"
                       r"agency|clinic|group)\s+of\s+|(?:a team of\s+)?)(?:about |around |roughly |some |maybe )?"
                       r"(?:\d+|[a-z]+(?:-[a-z]+)?)\s+(?:people|users|seats|reps|agents|employees|staff|lawyers|attorneys|"
                       r"salespeople|persons)\b", re.IGNORECASE)
HOW_MUCH = re.compile(r"\bhow much (?:is it|is that|is this|would it be|would that be|do you charge|are you)\b",
                      re.IGNORECASE)
HOW_MUCH_FR = re.compile(r"\b(?:c'est|ça fait|ça coûte|ça revient à|ça vaut) combien\b|\bcombien (?:c'est|ça fait|ça vaut)\b",
                         re.IGNORECASE)  # "c'est combien, votre solution ?"
IN_WRITING = re.compile(r",?\s*\b(?:in writing|on paper|contractually|par écrit)\b", re.IGNORECASE)
YOUR_THING = re.compile(r"\b(?:your|this|the) (?:thing|stuff|whole thing|thingy)\b", re.IGNORECASE)
PREAMBLE = re.compile(r"^(?:\W*(?:hi|hey|hello|yeah|yep|there|um+|uh+|erm|listen|look|actually|okay|ok|so|and|oh|well|hang on|wait|attendez|right|also|one more thing|"
                      r"(?:a |one )?quick (?:one|question)(?: for you)?(?: though)?|though|"
                      r"(?:my )?last (?:one|question)|first(?: off| thing)?|by the way|before (?:i|we) go (?:any )?further|"
                      r"sorry|excuse me|before i forget|while i (?:have|'ve got) you|real quick|"
                      r"before anything else|avant tout|tout d'abord|d'abord|bon|alors|dites-moi)\b)+\W*", re.IGNORECASE)
CONNECTS = re.compile(r"\b(?:hook|plug|tie|link)(?:s|ed)?\s+(?:in)?to\b|\b(?:hook|link)s? up (?:to|with)\b|"
                      r"\bsync(?:s|ed)? (?:up )?(?:with|to)\b|\bplays? nice(?:ly)? with\b|\bworks? with\b|\btalks? to\b(?= (?-i:[A-Z]))",
                      re.IGNORECASE)
CONNECTS_FR = re.compile(r"\b(?:est-ce (?=compatible)|(?:marche|fonctionne|est compatible|compatible)\s+avec\b)", re.IGNORECASE)  # "ça marche avec Outlook ?"
YOUR_THING_FR = re.compile(r"\bvotre (?:truc|machin|bidule|outil|système)\s*,?\s*(?=ça\b|il\b)|"
                           r",\s*votre (?:solution|produit|service|outil|truc|système|assistant|offre)\s*(?=[?.!]|$)",
                           re.IGNORECASE)  # ("c'est combien, votre solution ?")
SETUP_TIME = re.compile(r"\bhow (?:fast|quickly|soon)\b[^?.!]*?\b(?:set (?:it |this |that |us |everything )?up|"
                        r"get (?:it |this |us )?(?:up and )?(?:running|going|live)|go live|be live|onboard\w*)\b",
                        re.IGNORECASE)  # "how fast can you guys set this up?": how long onboarding takes
MONEY_BACK = re.compile(r"\b(?:get|receive)\s+(?:anything|something|any money|money|some money|a refund)\s+back\b|"
                        r"\bget (?:refunded|compensated)\b", re.IGNORECASE)  # "do we get anything back?": a credit
KEEPS = re.compile(r"\b(?:hang|hold)(?:s|ing)? on ?to\b", re.IGNORECASE)
CHEAPER = re.compile(r"\b(?:any (?:kind of |sort of )?(?:break|deal)|a (?:break|deal))\b(?= on\b| for\b| if\b|\W*$)|"
                     r"\b(?:any |a (?:bit |little )?)?(?:cheaper|less expensive)\b(?=\s+(?:if|when|for|that way)\b|\W*$)",
                     re.IGNORECASE)  # "is there any kind of break on that?", "is it cheaper?": a discount
YEAR_AHEAD = re.compile(r"\b(?:pay|paid|paying)\s+(?:for\s+)?(?:(?:the\s+whole|a\s+whole|a\s+full|the|a|one)\s+year\s+"
                        r"(?:up ?front|in advance|at once|all at once)|(?:the\s+whole|a\s+whole|a\s+full)\s+year)\b",
                        re.IGNORECASE)


# a question told for someone ("He specifically wants to know whether this works with HubSpot"): asked
WANTS_TO_KNOW = re.compile(r"^[^?]{0,40}?\b(?:wants?|wanted|would like|'d like|asked me|needs?) to (?:know|ask|find out|"
                           r"check) (?:whether|if) (this|it|you|your \w+|the \w+)\s+", re.IGNORECASE)


def standalone(question: str) -> str:
    """The question as it is searched, rephrased the way the tool asks a model to: without what
    leads up to it ("Actually, hang on, before we go any further, ..."), and with the everyday words for
    connecting to another product, for keeping something, for a discount and for paying a year ahead,
    said as the documents say them ("does it hook into HubSpot?": integrate; "how long do you hang on to
    recordings?": keep; "if we paid for the whole year up front, is there any kind of break?")."""
    asked = PREAMBLE.sub("", question).strip() or question
    asked = WANTS_TO_KNOW.sub(lambda m: "Do you " if m.group(1).lower() == "you" else "Does it ", asked)
    asked = YOUR_THING.sub("it", YOUR_THING_FR.sub("", asked))  # "how much does your thing cost?", "votre truc, ça ..."
    asked = HESITATION.sub("", asked)  # "what does it cost for, um, a firm ..."
    asked = HEADCOUNT.sub("per user", asked)  # "for a firm of about fifteen people": the price per user
    asked = HOW_MUCH.sub("what does it cost", HOW_MUCH_FR.sub("combien ça coûte", asked))  # "how much is it?": its
    # price, as the pages say it
    asked = IN_WRITING.sub("", asked)  # "what uptime do you commit to, in writing?": how, not what
    asked = CONNECTS_FR.sub(lambda m: "est-ce que ça " if m.group(0).lower().startswith("est-ce") else "s'intègre à", asked)
    asked = MONEY_BACK.sub("get a credit", asked)
    asked = SETUP_TIME.sub("how long does onboarding take to get up and running", asked)
    asked = KEEPS.sub("keep", CONNECTS.sub("integrate with", asked))
    asked = YEAR_AHEAD.sub("pay annually", CHEAPER.sub("a discount", asked))
    return asked[:1].upper() + asked[1:] if asked[:1].islower() else asked


def opening(turn: Turn) -> Decision:
    return Decision(phrase(Phrase.GREETING_QUESTION, turn.language))


def on_utterance(turn: Turn, intent: str | None) -> Decision:
    """Not a product question: back to choosing a time, or to the lead specialist."""
    if intent in ("reschedule", "cancel"):
        return turn.call(transfer_to_calendar, args={"intent": intent})
    ready = turn.context.get("lead_saved") and not turn.booking_needs
    if (turn.options and not turn.meeting) or (intent == "book" and ready):
        return turn.call(transfer_to_calendar, args={"intent": "book"})
    return turn.call(transfer_to_lead)


def _resume(turn: Turn, fallback: Phrase) -> str:
    """Back to where the call was: the times again, the question not answered yet, or anything else."""
    from callbot.llm.offline import calendar_agent, lead_agent  # (they hand over to this module)

    line = calendar_agent.resume(turn) or lead_agent.resume(turn)
    return line if line != phrase(Phrase.KB_MORE, turn.language) else phrase(fallback, turn.language)


# the words of "how long does porting take?" that ask for the kind of answer (a length), not its topic
ANSWER_KIND = re.compile(r"\b(how|combien de) (long|much|many|often|soon|fast|quickly|far|temps)\b", re.IGNORECASE)


def topic(question: str) -> str:
    """`question` without the words that only say what kind of answer it wants, for choosing the page
    ("how long does porting take?": porting's, not the one that says "how long it takes" of onboarding);
    within the page, they still point to the sentence ("Onboarding takes about two weeks ...")."""
    return ANSWER_KIND.sub(r"\1", question)


def relevant_sentences(text: str, question: str) -> str:
    """The sentence of a passage that shares most words with the question (the first one when none
    does), and the next one when it is short: the answer in the passage's own words."""
    sentences = [s for s in SENTENCE_END.split(" ".join(text.split())) if s]
    wanted = keywords(question)
    if not sentences or not wanted:
        return first_sentences(text)
    overlap = [len(wanted & keywords(s)) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (overlap[i], -i))
    if overlap[best] == 0:
        return first_sentences(text)
    if best + 1 < len(sentences) and (len(sentences[best]) < SHORT_SENTENCE or overlap[best + 1]):
        return f"{sentences[best]} {sentences[best + 1]}"  # short, or the next one answers too
    return sentences[best]


NAMED = re.compile(r"(?<=[\w,;:'’)] )[A-Z][\w'’-]*|\b[A-Z][A-Z0-9]+\b")  # capitalised inside a sentence, or an acronym


def named_terms(question: str, language: str, company: str = "") -> set[str]:
    """The terms of the names the caller used ("Salesforce", "GDPR", "Team"), the company's own aside."""
    names = " ".join(NAMED.findall(question))
    return set(keyword_terms(names, language[:2])) - set(keyword_terms(company, language[:2]))


def best_passage(passages: list[dict], question: str, language: str, company: str = "") -> dict:
    """The passage whose best sentence, read with its section's heading, shares the most terms with the
    question (stemmed, accents aside), a name the caller used counting twice ("does it write the calls
    back into Salesforce?": the CRM section, not "after each call it writes the summary ..."); the
    search's order breaks ties: an answer may be in the second or third passage returned, as a reader of
    all three would find it ("how much do we save paying yearly?": the "Annual billing" section, not
    "Fees and seats" ranked above it for "monthly")."""
    wanted = set(keyword_terms(topic(question), language[:2]))
    named = named_terms(question, language, company)
    def shared(passage: dict) -> int:
        heading = set(keyword_terms(str(passage.get("heading") or ""), language[:2]))
        sentences = SENTENCE_END.split(" ".join(str(passage["text"]).split()))
        return max((len(wanted & (heading | set(keyword_terms(s, language[:2])))) +
                    len(named & set(keyword_terms(s, language[:2]))) for s in sentences), default=0)
    scores = [shared(p) for p in passages]
    return passages[max(range(len(passages)), key=lambda i: (scores[i], -i))]


def _answer(turn: Turn, result: ToolResult) -> str | None:
    """The answer from the passages found; None when they were found but do not answer."""
    passages = [p for p in result.data.get("passages") or [] if isinstance(p, dict) and p.get("text")]
    if not passages:
        return phrase(Phrase.DONT_KNOW, turn.language)  # (the search noted the question)
    question = f'{result.args.get("question") or ""} {turn.utterance or ""}'  # (what the caller added)
    asked = str(result.args.get("question") or turn.utterance or "")  # (not the other questions said with it)
    best = best_passage(passages, asked, str(passages[0].get("language") or turn.language), turn.company)
    same_language = str(best.get("language") or turn.language)[:2] == turn.language[:2]  # (else no word is shared)
    if same_language and not _shares_a_term(best, question, turn.company):
        return None  # found, but it says nothing of what was asked
    title = best.get("title") or best.get("source") or turn.company
    answer = relevant_sentences(best["text"], question)
    written_in = str(best.get("language") or turn.language)
    if written_in[:2] != turn.language[:2]:  # a French caller, an English page: said as it is written, and why
        return phrase(Phrase.KB_OTHER_LANGUAGE, turn.language, title=title, answer=answer)
    answer = join(answer, _on_the_name_left_out(passages, answer, question, turn))
    return join(answer, phrase(Phrase.KB_SOURCE, turn.language, title=title))


def _on_the_name_left_out(passages: list[dict], answer: str, question: str, turn: Turn) -> str:
    """The sentence of the passages found that says a name the caller used and the answer leaves out
    ("where would our data be stored? ... so GDPR matters to us": "... SOC 2 Type II certified and GDPR
    compliant ..."); "" when the answer says every one, or no passage does."""
    language = turn.language[:2]
    left_out = named_terms(question, language, turn.company) - set(keyword_terms(answer, language))
    if not left_out:
        return ""
    sentences = [s for p in passages if str(p.get("language") or turn.language)[:2] == language
                 for s in SENTENCE_END.split(" ".join(str(p.get("text") or "").split())) if s and s not in answer]
    said = [len(left_out & set(keyword_terms(s, language))) for s in sentences]
    return sentences[max(range(len(sentences)), key=lambda i: (said[i], -i))] if any(said) else ""


def _shares_a_term(passage: dict, question: str, company: str) -> bool:
    """Whether the passage (with its heading) says any word of the question, the company's name aside: a
    passage the search ranked first that shares none ("can we run it on our own servers?": "Northwind
    Voice is based in New York ...") does not answer it. The company's name is set aside as a name, not
    word by word: "how many voices are there?" asks about voices, even for Northwind Voice."""
    language = str(passage.get("language") or "en")[:2]
    said = set(keyword_terms(f'{passage.get("heading") or ""} {passage["text"]}', language))
    return bool(set(keyword_terms(without_name(question, company), language)) & said)


def without_name(text: str, company: str) -> str:
    """`text` without the company's name, said whole or by its first word ("Northwind Voice", "Northwind")."""
    if not company.strip():
        return text
    return re.sub(rf"\b(?:{re.escape(company)}|{re.escape(company.split()[0])})\b", " ", text, flags=re.IGNORECASE)


def after_tool(turn: Turn, result: ToolResult) -> Decision:
    if result.is_from(note_unanswered):
        return _go_on(turn, "", known=False)  # ("I don't know" was said with the note)
    if not result.is_from(search_knowledge):
        return Decision(phrase(Phrase.ANYTHING_ELSE, turn.language))
    answer = _answer(turn, result)
    if answer is None:  # the passages found do not answer it: noted for a specialist, as a search finding none
        return turn.call(note_unanswered, args={"question": str(result.args.get("question") or turn.utterance or "")},
                         text=_said_once(turn, phrase(Phrase.DONT_KNOW, turn.language)))
    return _go_on(turn, _said_once(turn, answer), known=bool(result.data.get("passages")))


def _said_once(turn: Turn, answer: str) -> str:
    """Two questions of one utterance answered by the same passage (or both unknown): said once; a
    sentence the answer to the one before already said ("... GDPR compliant ...", "That's from our
    Security page.") is not said again."""
    said = turn.said_since_utterance()
    return " ".join(s for s in SENTENCE_END.split(answer) if s and s not in said)


def _go_on(turn: Turn, answer: str, known: bool) -> Decision:
    """After a question's answer: the next question of the same utterance, the meeting asked for with
    it, or back to where the call was."""
    asked = asked_of(turn)
    searched = turn.done_since_utterance().count(search_knowledge.name)
    if searched < len(asked):  # the next question of the same utterance
        return turn.call(search_knowledge, args={"question": asked[searched]}, text=answer)
    if classify(turn.utterance or "") == "book" and not turn.meeting:  # the meeting asked for with the question
        then = on_utterance(turn, "book")
        return Decision(join(answer, then.text), then.tool, then.args)
    return Decision(join(answer, _resume(turn, Phrase.KB_MORE if known else Phrase.DONT_KNOW_MORE)))
