"""What the caller wants, from their latest utterance, checked in priority order:

1. `refuse`: a prompt injection or a request outside policy (other people's contact details, other
   customers, a discount "no matter what");
2. `human`: a person; 3. `goodbye`; 4. `cancel`, `reschedule`, `book`: the calendar;
5. `question`: a product question (price, integrations, security, data location, trial, onboarding).

English phrasings, and French ones for a person, goodbye and price questions.
"""

from __future__ import annotations

import re

from callbot.llm.offline.dates import mentions_time, said_clock


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
WHEN_TO_TALK = re.compile(r"\bwhen (?:can|could) (?:i|we) (?:talk|speak|meet|chat)\b|\b(?:which|what) (?:times?|slots?|days?)\b|"
                          r"\bwhat (?:do you have|have you got|(?:is|'s) (?:free|open))(?: available)? (?:this|next|later|"
                          r"tomorrow|today|on \w+day)\b|"
                          r"\bavailab(?:le|ility)\b|\bwhat (?:do you have|have you got|'ve you got)\s*\?",
                          re.IGNORECASE)  # asking for a meeting time, not a transfer ("... speak with someone. What do you have?")
HUMAN = _any(
    rf"\b(?:talk|speak|chat)\b(?: \w+){{1,3}} (?:to|with) {HUMAN_TARGET}\b",
    r"\b(?:someone|somebody|anyone|a person|a human)\b(?: \w+){0,3} (?:i|we) (?:can|could) (?:speak|talk) (?:to|with)\b",
    rf"\b(?:talk|speak|chat)\s+(?:to|with)\s+{HUMAN_TARGET}\b",
    rf"\b(?:connect|transfer|put)\s+me\b.{{0,20}}{HUMAN_TARGET}\b",
    r"\b(?:put|patch|transfer|connect) me (?:through|over)\b|\b(?:transfer|connect) me to (?:sales|someone|a)\b",
    rf"\b(?:i want|i'd like|i would like|can i (?:get|have)|could i (?:get|have)|i need)\s+{HUMAN_TARGET}\b"
    r"(?!\s+(?:to|who|that|for)\b)",
    rf"^\W*(?:um |uh |ok |okay |yes |hi )?(?:can i get |get me )?{HUMAN_TARGET}(?:,? please)?\W*$",
    r"\bparler (?:à|a|avec) (?:quelqu'un|un humain|une personne|un conseiller|un commercial|un agent)\b",
    r"\b(?:un humain|une vraie personne|un conseiller)\b",
    r"\btransf[ée]r(?:er|ez)[- ]moi\b|\bme transf[ée]rer\b|\bme passer (?:quelqu'un|un commercial|un conseiller)\b",
    r"\b(?:parler|discuter)\b(?: \w+){0,2} (?:à|a|avec) quelqu'un\b",
)

# a person asked for, just named or by name ("... Priya Shah sent me a proposal. Is she available?", "is
# Priya Shah there today?", "connect me to Priya"); a name is written with capitals, and "does it talk
# to Salesforce?" asks about an integration
_PERSON = (r"(?!(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow|noon|next|this)\b)"
           r"(?-i:[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)")
PERSON_NAMED = re.compile(rf"\b(?:put|patch|transfer|connect) me (?:to|with|through to|over to) (?:her|him|{_PERSON})\b|"
                          r"\bis (?:she|he) (?:available|there|around|in|free)\b|"
                          rf"\bis {_PERSON} (?:there|around|in|free|available)(?: (?:today|now|right now|at the moment|"
                          r"to (?:talk|speak|chat)))?\s*[?.!]|"
                          rf"\b(?:can|could|may) i (?:speak|talk) (?:to|with) {_PERSON}\b", re.IGNORECASE)

GOODBYE = re.compile(r"\b(?:bye|goodbye|good bye|bye-bye|bye bye|nothing else|that will be all|that'll be all|have a "
                     r"(?:good|nice|great|lovely) (?:day|one|weekend|evening|afternoon)|take care|i'm all set|that's "
                     r"everything|talk soon|see ya|catch you later|that should do it|au revoir|bonne journée|rien d'autre|"
                     r"c'est tout|over and out|signing off|tschüss|tschuss|ciao|adiós|adios|auf wiedersehen|"
                     r"that'?s all,? (?:thanks|thank you|for (?:now|today)))\b|(?:^|[.!?]\s+)out\W*$", re.IGNORECASE)
THANKS_WORDS = r"thank you|thanks|thank u|cheers|merci"
THANKS = re.compile(rf"\b(?:{THANKS_WORDS})\b", re.IGNORECASE)
GOODBYE_UNLESS_CONFIRMING = re.compile(r"\bthat'?s (?:all|it)\b", re.IGNORECASE)

CANCEL = re.compile(r"(?<!don't )(?<!do not )(?<!not )(?<!don't want to )(?<!do not want to )(?<!not to )(?<!rather not )"
                    r"(?<!without )(?<!don't need to )(?:\bcancel\b.{0,20}\b(?:meeting|appointment|demo|call|booking)\b|"
                    r"\bcancel (?:it|that)\b|\bannuler\b)", re.IGNORECASE)
# what the caller takes back, mid-utterance: what they say after it is what they want
TAKEN_BACK = re.compile(r"\b(?:scratch that|never mind|forget (?:that|it)|no,? wait|wait,? no|actually,? no|"
                        r"i changed my mind|on second thought|i mean,? not (?:right )?now)\b", re.IGNORECASE)
RESCHEDULE = re.compile(r"\bre-?schedule\b|\b(?:need|want|have|'d like|would like|got) to (?:move|push|shift|bump|change) (?:it|that|the (?:meeting|call|demo|appointment|follow-up)|my (?:meeting|call|demo|appointment)|our (?:meeting|call|demo|appointment))\b|\b(?:can|could) (?:we|i|you) (?:move|push|shift|bump) (?:it|that|this)\b(?! (?:up|on))|\b(?:a )?conflict with (?:the|my|our) (?:[\w-]+ ){0,2}(?:meeting|call|demo|"
                        r"follow-up|appointment)\b|\bcan't make (?:it|the meeting|our meeting|my meeting)\b|\b(?:push|move|bump|shift) (?:it|that|this)(?: back)? (?:to|until|till)\b|\b(?:move|change|push|shift)\s+(?:my|the|our|this|that)\s+(?:meeting|"
                        r"appointment|demo|booking|call)\b(?!\s+notes)|\bdéplacer\b|"
                        r"\b(?:push|move|bump|shift) (?:it|that|this|the meeting|my meeting)\b.{0,20}\b(?:later|earlier|back|forward)\b",
                        re.IGNORECASE)
BOOK = re.compile(r"\b(?:book|schedule|set up|setup|arrange|organi[sz]e)\b.{0,25}\b(?:demo|meeting|call"
                  r"(?!\s*cent)|appointment|time with|slot|chat with (?:sales|a rep|someone)|session)\b|"
                  r"\b(?:grab|find|get)\s+(?:a|some|us a)\s+(?:demo|meeting|call|time|slot|session)\b|"
                  r"\b(?:someone|somebody|a rep|one of you)\s+(?:show|walk)\s+(?:me|us)\s+(?:how|through)\b|"
                  r"\bbook (?:me|us|something|it|that|this|a time|a slot|a new one|another one|a new (?:meeting|time))\b|\bsign (?:me|us) up for a (?:demo|call|meeting)\b|"
                  r"\b(?:want|like|get|need|see|book|have|do)\b.{0,12}\bdemo\b|\bdemo (?:call|meeting)\b|"
                  r"\b(?:can|could|shall) we (?:meet|set (?:something|a time) up)\b|"
                  r"\b(?:can|could|shall) (?:we|i) (?:do|have|get|grab) (?:a|the) (?:meeting|call|demo)\b|"
                  r"\bwhat (?:have you got|do you have|have you)\b.{0,30}\bfor (?:a|the) (?:meeting|call|demo)\b|"
                  r"\bsit down with (?:someone|somebody|you|one of you|a rep|sales|your team)\b|"
                  r"\bwhat(?:'s| is) the (?:first|earliest|soonest|next)(?: (?:thing|time|slot|opening|one))? (?:you(?:'ve| have)? "
                  r"got|you have|available|open|free)\b|"  # "What's the first thing you've got?"
                  r"\b(?:meet|meeting) with (?:a |one of your |your )?(?:sales|rep|someone)\b|"
                  r"\bon the (?:books|calendar)\b|\bwalk (?:me|us) through\b|\bshow (?:me|us) how (?:it|this) works\b|"
                  r"\btalk (?:me|us) through\b|\bprendre (?:un )?rendez-vous\b|"
                  r"\bpencil (?:me|us|something|it) in\b|\b(?:voudrais|voudrions|aimerais|aimerions|souhaite|souhaiterais)\b.{0,20}\brendez-vous\b|\b(?:peut-on|pourrait-on|on peut|on pourrait)\b.{0,20}\brendez-vous\b|\b(?:set|get|put|pencil) "
                  r"(?:something|a time|some time|time|a slot|me) (?:up|in|down|on)\b|"
                  r"\b(?:chat|talk|speak|meet) (?:to|with) (?:one of your |your |a |someone (?:from|in|on) )?"
                  r"(?:sales|reps?|salespeople|sales folks|sales team|account exec\w*)\b(?=.{0,40}\b(?:about|on|next|this|at|"
                  r"when|soon|time|whenever)\b)|\bfind (?:a|some) time\b|\bwhat (?:times?|slots?|days?) (?:have you got|do you have|are (?:free|"
                  r"available|open))\b|\bany(?:thing| times?) (?:free|available|open)\b|\bavailability\b|"
                  r"\bwhat(?:'s| is) (?:available|open|free)\b|\bwhen (?:are you|is someone|can we|could we) (?:free|"
                  r"available|meet|talk)\b|\ba (?:quick )?(?:call|meeting|demo|chat) with (?:one of )?(?:your|a) "
                  r"(?:reps?|sales|salespeople|team)\b|"
                  r"\bprendre (?:un )?rendez-vous\b|\bréserver\b|\b(?:un|le|mon|notre) rendez-vous (?:avec|pour|le|lundi|mardi|mercredi|"
                  r"jeudi|vendredi)\b|\bvos disponibilités\b|\bun créneau\b", re.IGNORECASE)
A_MEETING = re.compile(r"\b(?:like|maybe|say|as in) (?:a|an) (?:meeting|demo|appointment|video call)\b|"
                       r"\b(?:a|an) (?:proper |real |quick |short )?(?:call|meeting|chat|time) on (?:the|my|our|your) calendar\b",
                       re.IGNORECASE)  # "could I talk to someone about it? Like a meeting?"
DECLINE_MEETING = re.compile(
    r"\b(?:don't|do not|no need to|not (?:ready|interested) (?:to|in)|won't) (?:want to |need to |be )?"
    r"(?:book|schedule|meet|set up|(?:have|take) (?:a |the |any )?(?:meeting|demo|call))\b"
    r"(?!.{0,20}\b(?:email|e-mail|text)\b)|"
    r"\bno (?:meeting|demo|call)s?\b|\b(?:not|no) (?:a |any )?(?:meeting|demo)s? (?:right )?(?:now|yet|today)\b|"
    r"\bnot (?:right )?now\b|\bmaybe later\b|\bi'll (?:think about it|call back|get back to you)\b|"
    r"\bnot at this (?:time|point|stage)\b|\bjust (?:looking|browsing|researching)\b|\bhold off\b|"
    r"\b(?:skip|pass on) the (?:meeting|demo|call)\b|"
    r"\bpas (?:de|besoin de) rendez-vous\b", re.IGNORECASE)
NONE_OF_THOSE = re.compile(
    r"\bnone of (?:those|these|them|the)\b|\b(?:those|these|that|they|neither|none) (?:don't|doesn't|do not|won't|will "
    r"not|wouldn't|work)\b|\bneither\b|\bnot (?:those|any of (?:those|them|these))\b|\b(?:something|anything) "
    r"(?:else|later|earlier|other)\b|\b(?:another|a different|other) (?:day|time|times|days|options?|slots?)\b|"
    r"\bcan't (?:make|do) (?:any|those|that|them)\b|\bno good\b|\baucun\b", re.IGNORECASE)
SMALL_TALK = re.compile(r"\bhow are you\b|\bhow's (?:it going|your day|everything|life)\b|\bhow you doing\b|"
                        r"\bhow is your day\b|\bweather\b|\bhope you(?:'re| are) (?:well|doing well)\b|"
                        r"\bnice day\b|\bhappy (?:friday|monday|holidays)\b|\bcomment allez-vous\b|"
                        r"\bça va\b|\b(?:is it|it's|it is) (?:raining|snowing|sunny|pouring|freezing|cold|hot|nice)\b"
                        r"(?! (?:in|on|with) (?:the|your) (?:app|product|system)\b)|"
                        r"\b(?:do|did) you(?: \w+)? ever (?:get|come|been|make it) (?:down |up |out |over )?to [^.!?]*|"
                        r"\b(?:do|did) you (?:folks |guys |all )?(?:follow|watch|catch) (?:the )?(?!(?:calls?|leads?|"
                        r"up|through)\b)\w+[^.!?]*",
                        re.IGNORECASE)
ABOUT_BOT = re.compile(r"\bare you (?:a |an )?(?:robot|bot|real|human|person|ai|machine|computer)\b|"
                       r"\bwho am i (?:talking|speaking) (?:to|with)\b|\bwho(?:'s| is) this\b|"
                       r"\bam i (?:talking|speaking) (?:to|with) (?:a |an )?(?:real|human|person|robot|bot|ai|machine|computer)\b|"
                       r"\b(?:is this|is that|are you talking to me as) (?:a |an )?(?:real person|person|human|robot|bot|ai|"
                       r"machine|recording)\b", re.IGNORECASE)

PRODUCT_QUESTION = _any(
    r"\bwhat does (?:it|northwind voice|northwind|that) cost\b|\bhow much\b|\bpric(?:e|es|ed|ing)\b",
    r"\bdo you integrate\b|\bdoes it (?:work|integrate|connect)\b|\bwork with\b|\bintegrat(?:e|es|ion|ions)\b",
    r"\bsecur(?:e|ity)\b|\bsoc ?2\b|\bgdpr\b|\bcomplian(?:t|ce)\b|\bwhere is (?:the|my|our) data\b|"
    r"\bdata (?:stored|hosted|residency|location)\b|\bdata\b.{0,15}\b(?:stored|hosted|kept|live|located)\b",
    r"\b(?:try|test) (?:it|northwind|the product|this) (?:out|first|before)\b|\bbefore (?:we|i) (?:buy|sign|commit)\b",
    r"\bfree trial\b|\btrial\b|\bonboarding\b|\bdo you (?:have|offer|support)\b|\bis there an?\b|\bcan it\b",
    r"\bhow does it work\b|\bwhat does (?:it|northwind voice|northwind) do\b|\bfeatures?\b|\bplans?\b",
    r"\bapplication mobile\b|\bappli\b|\bcombien\b|\bprix\b|\btarifs?\b|\bcoût\b|\bcoûte\b|\bintègre\b|\bintégration\b|\bsécurité\b|\bessai gratuit\b|"
    r"\bessayer\b|\bgratuit(?:e|ement)?\b|\bcarte (?:de crédit|bancaire)\b|\babonnement\b|\bengagement\b|\brésilier\b",
    r"\bon-?prem(?:ise|ises)?\b|\bself-?host(?:ed|ing)?\b|\bmobile app\b|\b(?:iphone|android|ios) app\b|\bapi\b|"
    r"\bhubspot\b|\bsalesforce\b|\boutlook\b|\bgoogle calendar\b|\bcrm\b|\bcosts?\b|\bper (?:user|seat|month)\b|"
    r"\bsetup fees?\b|\bdiscount\b|\bany (?:kind of |sort of )?(?:break|deal)\b|\bup ?front\b|\b(?:pay|paid|billed|billing) (?:annually|yearly|monthly|up front)\b|\bcontract\b|\bhipaa\b|\bsso\b|\bsla\b|\buptime\b|\brecordings?\b|"
    r"\bretention\b|\blanguages?\b|\bvoices\b|\b(?:custom|other|different|french|spanish|male|female|a|the|its|which|what|your) voice\b|\bsupport(?:ed)?\b|\bhow long does\b|\bset ?up\b.{0,20}\btake\b|"
    r"\bhow long (?:before|until|till|would it take|will it take|to (?:get|go) (?:live|started|up))\b|"
    r"\b(?:dedicated|named) (?:person|manager|specialist|rep|contact)\b|\baccount manager\b|\bcustomer success\b",
    # what the product does, asked of it ("Can your assistant put reservations into OpenTable?")
    r"\b(?:can|could|does|do|will|would|is|are)\s+(?:your|the|this)\s+(?:assistant|bot|system|product|software|agent|"
    r"platform|app|tool|service|ai)\b",
    # a question about what the product does for the caller's people ("When your assistant passes a chef
    # to one of my reps, does my rep know what the call's about?"), or with it ("... avec votre système ?")
    r"\b(?:your|the) (?:assistant|bot|system|product|software|platform|app|tool|service|ai)\b(?=[^.!]*\?)",
    # any direct question about what it or you do ("... does it just hang up, or does it leave a message?");
    # the knowledge base answers it or declines
    r"\b(?:does|do|can|could|will|would|is|are)\s+(?:it|you|you guys|y'all)\b(?![^.!?]*\b(?:hear|there|repeat|say "
    r"(?:that|it)|spell|again|understand|a robot|a bot|a human|a person|real|human|still|sure|free|available|open|"
    r"call me|send me|text me|email me|book|schedule|transfer|put me)\b)(?=[^.!]*\?)",
    r"\b(?:does|can|could|will|would) this (?!(?:time|day|slot|one|work for you)\b)[a-z]+\b(?=[^.!]*\?)",  # "does this do SSO?"
    # what the caller could do with it ("can we enforce single sign-on through Okta?")
    r"\b(?:can|could)\s+(?:we|i)\s+(?!(?:talk|speak|book|schedule|meet|move|change|cancel|reschedule|get|set|do|have|"
    r"make|go|push|switch|see|chat|call|reach|come|start|just|please|also|spell|ask|give|leave|tell|repeat|confirm|add|"
    r"say|hear|hold|finish|put|send|text|email|e-mail|be|maybe)\b)[a-z]+\b(?=[^.!]*\?)",
    r"\b(?:est-ce qu(?:e |')on peut|peut-on|pouvons-nous|on peut)\s+(?!(?:parler|prendre|réserver|fixer|déplacer|"
    r"annuler|avoir un rendez-vous)\b)[\w'-]+\b(?=[^.!]*\?)",
    r"\b(?:does|do|will|would|can|could)\s+(?:my|our)\s+(?:reps?|team|staff|agents?|people|salespeople|callers?|"
    r"customers?|clients?)\b(?=[^.!]*\?)",
    r"\bvotre (?:assistant|système|produit|logiciel|outil|service|solution|robot)\b(?=[^.!]*\?)",
    r"\bif (?:we|i) (?:used|use|bought|buy|signed up|sign up|went with|go with|switched to|switch to) (?:you|it|this|"
    r"northwind|your)\b(?=[^.!]*\?)|\breports?\b(?=[^.!]*\?)",
    r"\b(?:données|hébergé\w*|rester en (?:europe|france|belgique|suisse))\b(?=[^.!]*\?)",
    # an indirect question ("je voudrais savoir où sont hébergées les données"), and "is X possible?"
    r"\b(?:je (?:voudrais|voulais|veux|souhaite|souhaiterais)|j'aimerais|j'aurais voulu) savoir\b",
    r"\bc'est possible(?: chez vous| avec vous)?\s*\?|\bis\b[^.?!]{3,60}\bpossible\s*\?",
    r"\best-ce que (?:votre|le|ce|cet) (?:assistant|système|produit|logiciel|outil|service|robot)\b|"
    r"\b(?:votre|le) (?:assistant|système|produit|logiciel|outil) (?:peut|sait|fait)-il\b",
    r"\b(?:can|could|will|would|does|is)\s+(?:all\s+(?:of\s+)?)?(?:our|my|the)\s+(?:\w+\s+)?data\b|\bstay in the (?:us|u\.s\.|eu|uk)\b|"
    r"\b(?:add|remove|drop|reduce)\b.{0,25}\bseats?\b|\bseats?\b.{0,25}\b(?:add|remove|drop|reduce)\b",
)
# Topic words alone ("we need an integration") state a need; with a question form they ask.
ALWAYS_A_QUESTION = re.compile(r"\bhow much\b|\bhow long does\b|\bdo you (?:guys )?(?:work with|run|offer)\b|\bwhat does (?:it|northwind voice|northwind|that) cost\b|"
                               r"\bdo you (?:integrate|have|offer|support)\b|\bdoes it\b|\bis there an?\b|"
                               r"\bcan it\b|\bwhere is (?:the|my|our) data\b|\bcombien\b", re.IGNORECASE)
QUESTION_FORM = re.compile(r"\?|^\W*(?:what|how|which|do|does|did|is|are|can|could|would|will|tell me|est-ce)\b|"
                           r"^\W*(?:where|when|why|who)(?:'s|\s+(?:is|are|do|does|did|can|could|would|will|should|"
                           r"was|were)\b)|\b(?:what|how|know|hear|learn|tell me|wondering|curious|question|"
                           r"quel|quelle|combien|comment|pourquoi|quand|savoir)\b", re.IGNORECASE)
PRODUCT_TOPIC_ONLY = 4  # a short utterance naming a topic ("pricing", "integrations?") asks about it


# with a time, a meeting: "talk to sales next week", "actually, let's just do it. Tomorrow after lunch?"
TALK_OR_AGREE = re.compile(r"\b(?:talk|speak|meet) (?:to|with) (?:someone|somebody|sales|a rep)\b|\blet's (?:meet|talk|chat)\b|"
                           r"\b(?:can|could|may) (?:i|we) (?:meet|see) (?:someone|somebody|a rep|one of)\b|"
                           r"\brendez-vous\b|\b(?:parler|discuter|échanger) (?:avec|à) (?:quelqu'un|un commercial|un conseiller|"
                           r"une conseillère|votre équipe)\b|"
                           r"\b(?:peut|pourrait|pourrions|pouvons)(?:-on| on|-nous| nous)? (?:se|nous) (?:parler|voir|rencontrer)\b|"
                           r"\blet's (?:just )?(?:do|book|set up) (?:it|that|one|a time|a meeting)\b|"
                           r"\b(?:can|could|shall|should) (?:we|i) (?:do|make it|say|book)\b(?!.*\binstead\b)|\bhow about\b(?!.*\binstead\b)",
                           re.IGNORECASE)


TIME_ASKED = re.compile(r"\b(?:possible|doable|free|available|open|okay|ok|work|works|good for you|ça irait)\s*\?",
                        re.IGNORECASE)  # "Monday at three thirty, my time. Possible?"


def _sentence(text: str, match: re.Match) -> str:
    """The sentence of `text` that holds `match`."""
    start = max(text.rfind(end, 0, match.start()) for end in ".!?") + 1
    ends = [i for end in ".!?" if (i := text.find(end, match.end())) >= 0]
    return text[start:min(ends) + 1 if ends else len(text)]


def classify(text: str, confirming: bool = False) -> str | None:
    """The intent of `text`; `confirming` when the bot just asked a yes/no question, so that
    "that's it" confirms rather than ends the call."""
    if REFUSE.search(text):
        return "refuse"
    taken_back = list(TAKEN_BACK.finditer(text))
    if taken_back and (after := text[taken_back[-1].end():]).strip(" ,.!?"):
        return classify(after, confirming)  # "I need to cancel, no, wait, scratch that. Can you move it to Thursday?"
    if HUMAN.search(text) and not mentions_time(text) and not WHEN_TO_TALK.search(text) and \
            not A_MEETING.search(text):  # (a time, or a meeting: a meeting)
        return "human"  # ("talk to someone next Tuesday morning", "talk to someone about it? Like a meeting?")
    if (named := PERSON_NAMED.search(text)) and not mentions_time(_sentence(text, named).replace(named.group(0), "")):
        return "human"  # "Priya sent me a proposal last week. Is she available?"
    if GOODBYE.search(text) or (not confirming and GOODBYE_UNLESS_CONFIRMING.search(text)):
        return "goodbye"
    for intent, pattern in (("cancel", CANCEL), ("reschedule", RESCHEDULE)):
        if pattern.search(text):
            return intent
    if (BOOK.search(text) or WHEN_TO_TALK.search(text) or A_MEETING.search(text) or
            ((TALK_OR_AGREE.search(text) or TIME_ASKED.search(text)) and mentions_time(text)) or
            a_day_and_time_only(text)) and not DECLINE_MEETING.search(text):
        return "book"
    if is_product_question(text):
        return "question"
    return None


A_DAY = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|tomorrow|lundi|mardi|mercredi|jeudi|vendredi|"
                   r"demain)\b", re.IGNORECASE)
DAY_AND_TIME_WORDS = 8  # "Tuesday, four pm, Eastern.": a time said alone is a meeting asked for then


def a_day_and_time_only(text: str) -> bool:
    """Whether `text` is a day and a time of day, and little else ("Tuesday, four pm, Eastern.", "Thursday at
    ten works", "Soon as possible. Thursday, ten, your time?"): said unasked, the time the caller wants to meet."""
    return len(text.split()) <= DAY_AND_TIME_WORDS and bool(A_DAY.search(text)) and said_clock(text) is not None \
        and not is_product_question(text)  # ("Thursday, ten, your time?" asks for it; "do you answer at ten on Sunday?" not)


MEETING_WHEN = re.compile(r"\bwhen(?:'s| is| was) (?:my|our|the) (?:call|meeting|demo|appointment)\b|"
                          r"\bwhat (?:time|day) is (?:my|our|the) (?:call|meeting|demo|appointment)\b|"
                          r"\bremind me when\b|\bwhen am i (?:meeting|seeing)\b", re.IGNORECASE)


# the caller did not hear the bot ("sorry, say that again? you broke up"), or asks it to wait ("hang on")
REPEAT_ASKED = re.compile(
    r"\b(?:say (?:that|it) again|(?:can|could|would) you (?:please )?repeat|repeat (?:that|it|the question)|"
    r"come again|you broke up|you(?:'re| are) breaking up|(?:i )?didn't (?:catch|hear|get) (?:that|you|it|the last part)|"
    r"what was (?:that|the question)|where were we|"
    r"what was the (?:first|second|third|last) one again|"
    r"(?:vous )?pouvez(?:-vous)? répéter|répétez|je n'ai pas (?:entendu|saisi)|vous avez coupé)\b|"
    r"^\W*(?:sorry|pardon|excuse me|what)\W*\?\W*$", re.IGNORECASE)
WAIT_ASKED = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|sorry|yeah|uh+|um+|oh|euh|pardon|désolée?)\W+)*(?:hang on|hold on|one (?:sec(?:ond)?|moment|minute)|"
    r"just a (?:sec(?:ond)?|moment|minute)|give me (?:a|one) (?:sec(?:ond)?|moment|minute)|bear with me|"
    r"wait a (?:sec(?:ond)?|moment|minute)|un instant|une seconde|une minute|attendez|ne quittez pas)\b[^.!?]*[.!?]*\W*$",
    re.IGNORECASE)


WAIT_WORDS = 10  # "Hang on, before I forget, is there ...?" asks something: no wait
REPEAT_WORDS = 16  # a longer utterance says more than "say that again"


def asks_to_repeat(text: str) -> bool:
    """"Sorry, say that again? You broke up": the bot's last words, again (not an answer to them)."""
    return bool(REPEAT_ASKED.search(text)) and len(text.split()) <= REPEAT_WORDS


def asks_to_wait(text: str) -> bool:
    """"Hang on.", "One sec, let me grab a pen.": a moment, and nothing to record."""
    return bool(WAIT_ASKED.match(text)) and "?" not in text and len(text.split()) <= WAIT_WORDS


def asks_when_meeting(text: str) -> bool:
    return bool(MEETING_WHEN.search(text))


def declines_meeting(text: str) -> bool:
    return bool(DECLINE_MEETING.search(text)) and not BOOK.search(re.sub(DECLINE_MEETING, "", text))


def none_of_those(text: str) -> bool:
    return bool(NONE_OF_THOSE.search(text))


def small_talk(text: str) -> bool:
    return bool(SMALL_TALK.search(text))


MOVE_WORDS = re.compile(r"\b(?:instead|make it|switch|change|move|push|bump|later|earlier|rather|plutôt|à la place|"
                        r"décaler|déplacer)\b", re.IGNORECASE)


def asks_to_move(text: str) -> bool:
    """A time said with a word that moves one ("can we make it 3 instead?", "plutôt mardi à 17 h ?"): with
    a meeting booked, it is moved."""
    return mentions_time(text) and bool(MOVE_WORDS.search(text))


def about_bot(text: str) -> bool:
    return bool(ABOUT_BOT.search(text))


# the caller asks what the bot wants of them, or why ("So what do you need from me?", "Why do you need my name?")
WHY_DETAILS = re.compile(r"\bwhat (?:do|would|else do) you need (?:from me|from us|to know)\b|"
                         r"\bwhy do you (?:need|want) (?:my|our|the|to know)\b|\bwhy (?:are|do) you ask(?:ing)?\b|"
                         r"\bwhat(?:'s| is) (?:this|that|it) for\b|\bpourquoi (?:vous avez besoin|avez-vous besoin)\b|"
                         r"\bde quoi avez-vous besoin\b", re.IGNORECASE)


def asks_why_details(text: str) -> bool:
    return bool(WHY_DETAILS.search(text))


def _asks(text: str, topic: re.Match) -> bool:
    sentence = _sentence(text, topic)
    before = sentence[:max(sentence.find(topic.group(0)), 0)]
    return not mentions_time(sentence) and ("?" in sentence or not REPORTED_QUESTION.search(before))


# what the caller's own customers ask ("people see our ads and call to ask how much it costs"): their need
REPORTED_QUESTION = re.compile(r"\b(?:people|customers|clients|callers|they|patients|buyers|prospects|homeowners|guests|"
                               r"candidates|families|students|shoppers)\b[^.?!]{0,40}?\b(?:ask(?:s|ing)?|call(?:s|ing)? "
                               r"(?:in )?to (?:ask|find out|know)|want(?:s)? to know|wonder(?:s|ing)?)\b", re.IGNORECASE)


def is_product_question(text: str) -> bool:
    """Whether `text` asks about the product: a topic of it, asked (not in a sentence that names a time:
    "people call at nine at night. Can the assistant say something different after hours?" asks; nor
    in one that tells what the caller's own customers ask)."""
    if not any(_asks(text, topic) for topic in PRODUCT_QUESTION.finditer(text)):
        return False
    return bool(ALWAYS_A_QUESTION.search(text) or QUESTION_FORM.search(text)
                or len(text.split()) <= PRODUCT_TOPIC_ONLY)


BOOKING_ASKED = re.compile(r"\b(?:book|schedule|meeting|demo|appointment|slot|available|free)\b", re.IGNORECASE)


# whether what was just asked for can be had: of the sentence before, no product question
IS_IT_POSSIBLE = re.compile(r"\W*(?:(?:et|and|so|alors)\W+)?(?:c'est|est-ce|ce serait|ça serait|is (?:that|it|this)|would (?:that|it|this) be)"
                            r" (?:possible|faisable|doable)(?: chez vous| avec vous| for you)?\s*\?", re.IGNORECASE)


def asks_too(text: str, *, booking_words: bool = False) -> bool:
    """A direct product question in an utterance that asks for something else too. A sentence with a
    time in it is no such question; nor, unless `booking_words`, one that speaks of booking ("does your
    thing book into Outlook?" asks, said while moving a meeting; not while asking for one)."""
    return any(sentence.rstrip().endswith("?") and is_product_question(sentence) and not mentions_time(sentence)
               and not IS_IT_POSSIBLE.fullmatch(sentence.strip())  # ("Je voudrais réserver lundi. C'est possible ?")
               and (booking_words or not BOOKING_ASKED.search(sentence) and not WHEN_TO_TALK.search(sentence))
               for sentence in re.findall(r"[^.!?]+[.!?]?", text))
