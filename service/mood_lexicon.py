"""Word lists for the mood scorer, kept as data so they can be reviewed without the code.

All patterns run on text already normalised by service.mood: lower case, no apostrophes
("cant", "im", "theyd"), letters repeated 3+ times cut to two ("soo"), slang expanded
("wanna" -> "want to", "kms" -> "kill myself"). Patterns are regular expressions.
"""

from __future__ import annotations

# Word-level rewrites applied before any rule, so the rules need one spelling only.
REWRITES: dict[str, str] = {
    "wanna": "want to", "wana": "want to", "wnat": "want", "wnt": "want", "gonna": "going to",
    "cannot": "cant", "can not": "cant", "do not": "dont", "did not": "didnt", "will not": "wont",
    "would not": "wouldnt", "does not": "doesnt", "i am": "im", "i have": "ive", "i would": "id",
    "kms": "kill myself", "kys": "kill yourself", "unalive": "kill", "sewerslide": "suicide",
    "myslef": "myself", "my self": "myself", "mysef": "myself", "abt": "about", "rn": "right now",
    "po": "", "u": "you", "ur": "your", "tho": "though", "thru": "through", "ppl": "people",
    "okey": "okay", "k": "ok", "kk": "ok", "bc": "because", "cuz": "because", "ded": "dead",
    "suicidle": "suicidal", "sucidal": "suicidal", "hurtin": "hurting", "nothin": "nothing",
}

# Crisis language grouped by warning sign; a match anywhere wins over any number or opener.
# Wording is kept loose on purpose: people rarely type the textbook phrase.
_ME = r"(?:my ?self|me)"
_KID = r"(?:the baby|my baby|baby|him|her|my (?:son|daughter|kid|child|girl|boy|newborn)|them)"
# "They'd be fine without me for a night": a break she is planning, not a burden.
# Only a short break she names: "for a while" or "for a week" may be the burden itself.
_SHORT_BREAK = (r"(?! for (?:a|an|one|the|a few|a couple of|two|2) (?:night|evening|day|weekend|afternoon|morning|hour|hours)\b"
                r"| (?:tonight|this (?:weekend|evening|afternoon|morning)|tomorrow)\b)")
CRISIS: dict[str, tuple[str, ...]] = {
    "suicidal_ideation": (
        r"\b(?:want|wanted|wanting|wish|going|plan|planning|ready|thinking|thought|think) (?:about |of )?(?:to )?(?:just )?(?:die|dying|be dead)\b(?! laughing)(?!(?: of| from) (?:embarrassment|laughter|laughing|boredom|shame|cuteness|happiness|excitement|jealousy|exhaustion)| (?:my|her|his|the|it|their|our) (?:hair|eyebrows|roots|clothes|shirt|fabric|tips|fringe)| (?:it|them) (?:pink|blue|red|purple|green|black|blonde|brown))",
        r"\bkill(?:ing)? (?:my ?self|me now for real)\b(?! laughing| with laughter)", r"\bsuicid(?!e squad)", r"\bend(?:ing)? (?:it all|my life)\b(?! (?:worked|turned|went|came|was|is))", r"\bend(?:ing)? (?:things|it)\b(?! (?:with|off|all worked|up|there|here|at|for|by|early|on a|on the))",
        r"\b(?:wish|rather|better off|want to be) (?:i )?(?:was |were |be )?dead\b",
        # Her own body or part of her as the one that wants it ("wants" alone is mostly a plant or a phone battery).
        r"\b(?:(?:a |some )?part of me|my (?:body|brain|mind|heart|soul)) (?:just |really |kind of |kinda )?wants to (?:die|be dead|not (?:be here|exist|wake up))\b",
        r"\b(?:dont|dont really|no longer) (?:want to|wish to) (?:be alive|live|be here|exist|wake up)\b",
        r"\b(?:sleep|i)\b[^.!?]{0,30}\b(?:never|not|wouldnt|dont want to) wake up\b",
        r"\b(?:stop existing|stopped existing|stopping existing|not (?:being|be) here anymore|thoughts about not being here|want out of (?:life|this life))\b",
        r"\b(?:hate being alive|(?:life|living) (?:is ?nt|isnt|is not|aint) worth|point (?:of|in) (?:living|life|being alive))\b",
        r"\b(?:planning my funeral|ways to die|how to (?:die|kill)|dark thoughts|(?:tired|sick|had enough) of (?:living(?! (?:in|out|with|on|off|like|here|at|under|through))|being alive|life|existing))\b",
        r"\b(?:jump(?:ing)? off(?! (?:the |a )?(?:sofa|couch|bed|table|swing|slide|trampoline|chair|step|kerb|curb|wharf|jetty|pier|dock|rocks|diving board|boat|pontoon))|hang(?:ing)? myself|driv(?:e|ing) (?:my car )?into (?:a |the )?(?:wall|tree|river|traffic|bridge|pillar|barrier|lorry|truck|oncoming))\b",
        r"\bwalk(?:ed|ing)? into the (?:ocean|sea|lake|river|traffic|waves|water)\b(?! with (?:the|my|her|him|them|baby|kids))", r"\b(?:ive|i) (?:have |got |made )?a plan\b(?! for| with| b\b| that| which|\s*!| to (?!die|end|kill|do it))(?![^.!?]{0,30}\b(?:feeling better|feel better|doctor|gp|midwife|therapist|counsell?or|health visitor|nurse)\b)",
        r"\bif i died\b", r"\bnot being here\b[^.!?]{0,30}\brelief\b",
        r"\bwish i (?:wasnt|werent|was not|had never been|was never|were never) (?:alive|born|here)\b",
        r"\b(?:wish|want|wanting|ready) (?:i could |to )?(?:just )?(?:go to )?sleep forever\b", r"\bgo to sleep forever\b",
        r"\bfeel(?:s|ing)? like dying\b", r"\bmight as well (?:be dead|die)\b", r"\bmy own funeral\b",
        r"\bdriv(?:e|ing) off (?:the road|a bridge|a cliff)\b", r"\b(?:standing|sitting) on (?:the|a) (?:bridge|ledge|roof|edge)\b(?! of (?:the |my |her |his )?(?:bed|sofa|couch|bath|chair|seat|cot|pool))",
        r"\bwant to jump(?=\s*(?:$|[.!]|off|in front))", r"\bgoing(?<![a-z0-9] going)(?<![a-z0-9]  going) to (?:just )?jump(?=\s*[.!]*\s*$)", r"\b(?:im|i am|ill|i will|i) (?:just |really |actually |literally |finally |honestly )?(?:going|about|ready|planning) to (?:just )?jump(?=\s*(?:$|[.!]|in front))", r"\b(?:bought|got|have|ive|found|tied) a (?:rope|noose)\b(?! (?:swing|ladder|for (?:the|a) (?:swing|garden|tent|washing)|bridge|course))", r"\bnoose\b",
        r"\b(?:not|wont|will not) (?:going to )?be (?:around|here) (?:much longer|for long|anymore)\b",
        r"\bshould (?:just )?die\b", r"\bhop(?:e|ing) i (?:die|dont wake up|never wake up|wont wake up|do not wake up)\b",
        r"\bdeserve to die\b",
        r"\b(?:sleep|i|id|ill|im)\b[^.!?]{0,30}\b(?:just )?not wake up\b",
        r"\b(?:standing|sitting|stood|sat) (?:at|on|by) (?:the|a|our|my) (?:balcony|bridge|ledge|edge|roof|railing|overpass|cliff)\b(?! of (?:the |my |her |his )?(?:bed|sofa|couch|bath|chair|seat|cot|pool))(?![^.!?]{0,30}\b(?:tea|coffee|cuppa|wine|book|sunshine|sun|breakfast|lunch|brunch|glass|with (?:the|my) (?:kids|baby|husband|partner)))",
        r"\bhow (?:high|tall|far down|far up)\b[^.!?]{0,20}\b(?:bridge|roof|balcony|building|garage|cliff|ledge|overpass|window)\b",
        r"\b(?:keep |just )?driv(?:e|ing) and (?:not|never) stop", r"\b(?:car|van|myself) (?:going |go |went )?off the road\b",
        r"\binto oncoming\b", r"\blook like an accident\b", r"\b(?:peaceful|painless|easiest|quickest|best|quietest) way to (?:go|die|end it|do it)\b",
        r"\b(?:thinking about|think about|looking at|holding|got|bought|have|ive|get|getting|buy) (?:the|a|my|his|our|husbands) gun\b(?! to (?:your|their|his|her|someones) head| safe| lock| cabinet| licen[cs]e|s? (?:are|is) locked)", r"\bcheck(?:ing)? out (?:of life|of this life|permanently|for good)\b",
        r"\b(?:dont|do not) plan on (?:sticking around|being (?:here|around)|staying|finding out)\b",
        r"\bwont be (?:here|around)(?: for (?:it|that))?(?=\s*(?:$|[.!,]|anyway|much longer|for long|anymore|by then|to see))",
        r"\bsoon i wont be(?=\s*(?:$|[.!,]))", r"\b(?:best|right) (?:time|way|place|day) to do it\b",
        r"\b(?:time|ready) to (?:come|go) (?:to|home to) (?:him|god|the lord|jesus)\b", r"\bleave (?:this|dis) world\b",
        r"\bpermanent (?:kind|sleep|solution)\b", r"\blet me (?:not wake up|die)\b", r"\bwish i hadnt (?:woken|woke)\b",
        r"\b(?:didnt|never|dont) come back from\b", r"\bbetter off not (?:watching|seeing|having) me\b", r"\bif (?:a |the )?(?:truck|bus|car|lorry|train) (?:hit|hits|ran over|runs over) me\b", r"\b(?:take|end|taking|ending) my (?:own )?life\b",
        r"\bif i (?:just )?(?:didnt|did not|never|dont) wake up\b", r"\bdoing everyone a favou?r\b",
        r"\b(?:looking up|looked up|googling|googled|researching|reading up on) ways(?= to (?:die|end|kill|do it|go|not wake)|\s*(?:$|[.!,]))",
        r"\bwish i(?:d| had)? never (?:woken|woke)\b", r"\b(?:died|passed|since we lost)\b[^.!?]{0,40}\bbe with (?:her|him|them)\b",
        r"\b(?:lorry|truck|bus|car|train) (?:doesnt|wont|didnt) stop\b", r"\bif it takes me\b(?! (?:all|ages|a |an |the |hours|days|weeks|forever|longer|twice|three|\d))", r"\bnot have to wake up\b",
        r"\bwaiting (?:on|for) the right (?:night|time|moment|day)\b", r"\bheaven(?:s| has| is)? (?:got to be |has to be |must be )?better than\b",
        r"\b(?:no|without (?:a|my)) seatbelt\b", r"\bnone of (?:it|this) will matter\b",
        r"\bdoes it hurt\b[^.!?]{0,20}\b(?:drowning|dying|to die|hanging|overdosing)\b",
        r"\b(?:felt|was|am|feel) safe and i lied\b", r"\blied (?:to|when) (?:the|my) (?:counsell?or|therapist|doctor|gp|nurse)\b", r"\bcalling me home\b", r"\bgo and be with my\b",
        r"\b(?:relapse|relapsing|using again)\b[^.!?]{0,30}\beasier\b", r"\b(?:nearly|almost) didnt wake up\b",
        r"\bnot to go anywhere\b", r"\b(?:and|then) (?:not|never) coming back\b", r"\bwalk(?:ing|ed)? (?:out )?into (?:it|the tide)\b",
        r"\bpart of me wishes (?:he|she|they|it) would\b", r"\bmade my own plan\b",
        r"\b(?:im|i am|feel) at peace with (?:it|everything) now(?=\s*[.!]*\s*$)",
        r"\b(?:googled|googling|google|googles|looking up|looked up) what happens\b[^.!?]{0,40}\b(?:if|when) (?:their|your|a|the) (?:mum|mom|mother|parent) dies\b",
        r"\bguns?\b[^.!?]{0,40}\bfound where the key\b", r"\bfound (?:where )?the key\b[^.!?]{0,30}\bguns?\b", r"\bim done trying(?=\s*(?:$|[.!]))",
        r"\b(?:dont|cant|do not) see myself (?:being )?(?:here|around|alive)\b", r"\bstep (?:off|out) in front\b", r"\bwanted to step off\b",
        r"\bin front of (?:a |the )?(?:train|bus|lorry|truck)\b(?! (?:station|stop|driver))", r"\bunder(?<!threw me under)(?<!throw me under)(?<!thrown under)(?<!throws me under)(?<!threw her under)(?<!threw him under) (?:a |the )?(?:train|bus|lorry|truck)\b",
        r"\b(?:theres|there is|i have|ive got) an end date(?=\s*(?:$|[.!,]))",
        r"\b(?:pricing|price|priced|looking at|planning|picking) (?:up )?(?:my own |my )?funerals?\b",
        r"\b(?:nobody|no one|noone) (?:will |would |can |could )?finds? me\b", r"\b(?:gone|leave|leaving|end|ending|go|going|do it|doing it|done)\b[^.!?]{0,15}\bfor good this time\b",
        r"\bif i had the (?:guts|courage|nerve)\b", r"\b(?:ill|i will|id|i would|i should|i could|i want to|want to|wish i could|i wish i could) be gone (?:already|by (?:now|then|tomorrow|morning))\b",
        r"\bwant to not (?:exist|be here|be alive|wake up)\b", r"\btired of existing\b",
        r"\b(?:thought|thinking|think|thoughts) (?:about|of) jumping\b", r"\btop(?:ping)? myself\b", r"\bdie in my sleep\b",
        r"\bstop trying to (?:live|stay alive|be here)\b", r"\b(?:want|go|leave|get|be|going) out of this world\b", r"\bso none of us (?:have|has) to suffer\b",
        r"\b(?:planning|plan|planned|wrote down|writing down|worked out|working out|figured out) how (?:id|i would|ill|i will|i could|to) do it\b",
        r"\b(?:worked out|found|figured out) (?:a|the) way (?:to (?:stop|end|not be)|out)\b",
        r"\b(?:worked out|found|figured out) how to stop (?:feeling|hurting|the pain)\b",
        r"\b(?:itll|it will|itd)(?<!hopefully itll)(?<!hopefully it will)(?<!hope itll)(?<!hope it will)(?<!hopefully itd) (?:all )?be over (?:soon|by|on|sunday|monday|tuesday|wednesday|thursday|friday|saturday|tomorrow|tonight)\b(?![^.!?]{0,40}\b(?:builders?|kitchen|renovation|works|exams?|move|moving|term|school|holidays?|visit|party|jabs|teething|surgery|op)\b)",
        r"\b(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday|tomorrow|tonight)\b[^.!?]{0,10}\bitll (?:all )?be over\b",
        r"\b(?:god|the lord|jesus) (?:takes|would take|will take|to take) me\b(?! through| safely| home safely| to (?:work|church|the))", r"\btake me (?:in my sleep|home)\b(?! safely| from)",
        r"\b(?:go|going) home to (?:the lord|god|jesus)\b", r"\b(?:asking|ask|see|meet|meeting) (?:him|god|jesus|the lord) in person\b",
        r"\b(?:accepted|accept) gods plan for me\b", r"\bways to (?:get there|join (?:her|him))\b",
        r"\bjoin(?:ing)? (?:her|him|my baby|my son|my daughter) (?:soon|in heaven)\b",
        r"\b(?:dont think|doubt) (?:ill|i will) (?:be here|be around|still be here|be there to)\b", r"\b(?:dont think|doubt) (?:ill|i will) make it(?=\s*(?:$|[.!,]|much longer|through))",
        r"\bhow easy it would be to (?:let go|drop|end|go)\b", r"\b(?:quiet|easy|peaceful|simple) way out\b",
        r"\bpillow over my (?:own )?face\b", r"\b(?:plastic )?bag over my (?:head|face)\b",
        r"\bengine running\b[^.!?]{0,40}\bgarage\b", r"\bgarage\b[^.!?]{0,40}\bengine running\b",
        r"\bhose\b[^.!?]{0,30}\b(?:garage|car|exhaust)\b", r"\b(?:garage|car)\b[^.!?]{0,30}\bhose\b",
        r"\bwhat dose would (?:do it|kill)\b",
        r"\bwont be (?:here|around)\b[^.!?]{0,25}\b(?:much longer|for long|anymore)\b",
        r"\b(?:wont|will not) be (?:any more|anymore|around|here) after (?:tonight|today|tomorrow|this week|the weekend)\b",
        r"\b(?:not planning on|dont plan on|dont expect to|not expecting to) (?:seeing|being|making it|see)\b",
        r"\bfeel (?:so |just )?finished\b", r"\b(?:since|now that|now) (?:i|ive) decided(?=\s*(?:$|[.!,]))",
        r"\bmade (?:up )?my (?:mind|decision)\b[^.!?]{0,30}\b(?:relief|calm|peace|easier|lighter|weight lifted)\b",
        r"\bone ?-?way (?:trip|ticket)\b[^.!?]{0,40}\bnot (?:really )?(?:a joke|joking)\b",
        r"\bhow long\b[^.!?]{0,40}\b(?:for )?(?:someone|anyone|a body|a person) (?:to be found|finds)\b",
        r"\bif anything (?:ever )?(?:happens|happened) to me\b",
        r"\bnone of this will be my problem\b", r"\bwont be my problem (?:much longer|soon|anymore)\b",
        r"\bat peace with (?:my|the) decision(?=\s*(?:$|[.!,]))", r"\bsince i decided(?=\s*(?:$|[.!,]))",
        r"\bknow (?:exactly )?what (?:im going to|i need to|i have to) do(?=\s*(?:$|[.!,]|now))", r"\bmade (?:up )?my (?:mind|decision)(?=\s*[.!]*\s*$)",
        r"\b(?:ive|i have|i) (?:finally|now|already) (?:got|have|made) a plan(?=\s*(?:$|\.|,? (?:now|at last|tbh|honestly)\s*[.]?\s*$))",
        r"\b(?:calm|peaceful|at peace|relieved|lighter|light)\b[^?]{0,40}\bonce (?:youve|ive|you|i) decided(?: something)?(?=\s*(?:$|[.!,]))",
        r"\b(?:everyone|everybody|people|they) (?:keeps? |keep )?(?:say|says|saying|tell me|telling me|tells me)\b[^?]{0,30}\bgets? better\b[^?]{0,40}\bnot (?:waiting|waiting around|going to wait|sticking around|going to stick around) to (?:find out|see)\b",
        r"\bif i (?:just )?(?:wasnt|werent|was not) in (?:their lives|his life|her life|the picture)\b",
        r"\bworld (?:will |would )?(?:keep|keeps|go on|goes on|carry on|carries on) (?:spinning|turning|going)?\b[^.!?]{0,25}\b(?:without me|when im not in it|if im not in it|once im gone)(?=\s*(?:$|[.!,]))",
        r"\b(?:ghost|invisible)\b[^?]{0,60}\bmake it official\b",
        r"\bheaven (?:has|have|got|s got|will have) (?:a )?(?:spot|place|room|space|seat) for me(?: soon)?(?=\s*(?:$|[.!,]))",
        r"\bwant out\b[.,\s]*(?:of )?(?:everything|it all|all of it)(?=\s*(?:$|[.!]))", r"\bwant out\b[.,\s]*(?:of )?(?:life|this life|living)\b",
        r"\b(?:done|tired|sick)\b[^?]{0,40}\b(?:with|of) (?:being alive|existing)(?=\s*(?:$|[.!,]|basically|anymore|really))",
        r"\b(?:wonder|wondering|think about|thinking about|imagine|imagining|picture|picturing) (?:what|who|how)\b[^.!?]{0,30}\bmy (?:own )?funeral\b",
        r"\bwho would (?:come|turn up|show up|cry)\b[^.!?]{0,20}\bfuneral\b",
        r"\bthinking about the (?:balcony|bridge|roof|ledge|tracks|train|cliff|river|car park|overpass)(?=\s*(?:$|[.!,]))",
        r"\bwalk(?:ing)? in and (?:not|never) (?:walk(?:ing)?|com(?:e|ing)) (?:back )?out\b",
        r"\bone step\b[^.!?]{0,30}\b(?:would|could|and it would|and itd)\b[^.!?]{0,10}\b(?:fix|end|stop) (?:everything|it all)\b",
        r"\bstop (?:eating|drinking|taking my (?:meds|insulin|medication|tablets))\b[^.!?]{0,30}\blet (?:it|nature) (?:happen|take)\b",
        r"\bdriv(?:e|ing|en) (?:the car |my car )?into (?:the|a) (?:lake|sea|ocean|canal|reservoir|quarry|harbou?r)\b",
        r"\b(?:nobody|no one|noone|they|anyone) (?:would |will |could )?(?:ever |even )?(?:know|tell|guess) it (?:wasnt|was not) an accident\b",
        r"\bat least (?:theres|there is|therell be|there would be|theyd get|they would get|theyd have|hed get|shed get) (?:the )?(?:life )?insurance\b",
        r"\bhow long (?:it takes|does it take|would it take|it would take) to (?:drown|die|bleed out|suffocate|pass out)\b",
        r"\bslip(?:ping)? under\b[^.!?]{0,40}\b(?:stay|staying) (?:there|under|down)\b",
        # The tenth round: a future without her, wishes in everyday words, decisions and methods.
        r"\b(?:dont|cant|do not|cannot) (?:see|picture|imagine) (?:a |any )?(?:version of )?(?:next|the) (?:month|year|week|future|christmas|summer|birthday)\b[^.!?]{0,20}\bme in it\b", r"\bonly still (?:here|alive|around) (?:cos|because|cause|coz) of (?:the|my) (?:baby|kids|children|son|daughter|boys|girls)\b", r"\bonly still (?:here|alive|around) for (?:the|my) (?:baby|kids|children|son|daughter|boys|girls)(?=\s*(?:$|[.!,]|and|tbh))",
        r"\bhow (?:much )?longer (?:im|i am|ill be|i will be|i can keep) (?:sticking|hanging|staying|going to stick|going to be) (?:around|here)(?=\s*(?:$|[.!,]|tbh|honestly|to be honest))",
        r"\bwant (?:to )?(?:just )?be nothing\b", r"\bwant (?:to )?(?:just )?be gone(?=\s*(?:$|[.!,]))", r"\bwish (?:i|id|i had|i would have)\b[^.!?]{0,40}\bnever (?:come|came|woken|woke) (?:round|up)\b", r"\bwish\b[^.!?]{0,40}\b(?:c section|csection|birth|surgery|operation|anaesthetic|anesthetic)\b[^.!?]{0,30}\b(?:gone wrong|never (?:come|came|woken|woke))\b",
        r"\bskip the rest of (?:my life|life)\b", r"\bskip the rest of (?:it|everything)(?=\s*[.!,]\s*(?:all of it|permanently|forever))", r"\bforever quiet(?=\s*(?:$|[.!,]|not\b))", r"\b(?:go|gone) quiet (?:forever|permanently)\b",
        r"\btired of being(?=\s*(?:$|[.!,]))", r"\bvanish (?:myself|for good|properly)\b", r"\bproperly vanish\b",
        r"\bhow long\b[^.!?]{0,40}\bnotice (?:youre|im|i am|someones|someone is|a person is|you are) gone(?=\s*(?:$|[.!?,]))",
        r"\b(?:lie|lay|lying|laying) down in the (?:snow|water|road|sea|river|cold|lake)\b[^.!?]{0,30}\b(?:let it|not get up|never get up|stay there|and sleep)\b",
        r"\bstop(?:ped)? eating (?:on purpose|to (?:fade|disappear|waste away))\b(?! (?:after|before|at|past|in the))", r"\bstop(?:ped)? eating\b[^?]{0,40}\b(?:i (?:just )?fade|fade away|waste away|let it happen)\b",
        r"\bkeep (?:googling|looking up|reading about) (?:whether|if|how much) it hurts\b", r"\bthe way (?:im|i am|ive been) (?:thinking of|planning)(?=\s*(?:$|[.!,]))",
        r"\bplanning how(?=\s*(?:$|[.!,]))", r"\b(?:dont think|not sure) (?:im going to|ill|i can|i will|i could) stop myself(?=\s*(?:$|[.!,]|this time|anymore))",
        r"\b(?:hop(?:e|ing)|wish(?:ing)?|pray(?:ing)?)\b[^.!?]{0,30}\b(?:lorry|truck|bus|car|train)\b[^.!?]{0,20}\b(?:swerves into (?:me|my lane|my car)|hits me|crashes into me|ploughs into me)\b",
        r"\b(?:tomorrow|after tonight|after today|soon)\b[^.!?]{0,20}\bnone of (?:it|this) (?:matters|will matter)\b",
        r"\bdecided to stop waiting(?: for it to)?(?=\s*(?:$|[.!,]))",
    ),
    "self_harm": (
        r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|hit|hitting|punch|punching|scratch|scratching|starve|starving) (?:my ?self\b(?! (?:chopping|cooking|shaving|lifting|on (?:the|a)|by accident|accidentally|at work|in the (?:kitchen|garden)|slicing|opening|picking|carrying|moving|tripping|falling|getting|trying to))|me(?= (?:now|tonight|again|for real)))",
        r"\bself ?harm", r"\bcutting again\b", r"\brazor blades?\b",
        r"\b(?:scratched|scratching|cut|cutting|burned|burnt|burning|hit|hitting|punched) (?:up )?my (?:arms?|wrists?|legs?|thighs?|skin|stomach)\b(?! (?:on|shaving|with the|cooking|in the|at work|while)\b(?![^.!?]{0,40}\b(?:on purpose|deliberately|so i|to feel|again)\b))",
        r"\b(?:till|until) (?:they|it) bleeds?\b", r"\bso i (?:can|could) feel something\b",
        r"\bhid(?:e|ing)? (?:the |my )?(?:knives|pills|meds|razors?|gun|belts?)\b[^.!?]{0,20}\bfrom myself\b",
        r"\b(?:wouldnt|wont|not going to|never|would never|will never) (?:hurt|kill|harm) myself[.,!]* (?:probably|i think|i dont think|maybe|idk|i hope|for now)\b",
        r"\b(?:not going to |wont )?do (?:anything|something) stupid[.,!]* (?:i dont think|probably|maybe|idk|i hope)\b",
        r"\b(?:a )?danger to myself\b(?! in the kitchen| with (?:a|the)| on)", r"\b(?:scared|afraid|terrified|frightened) of myself\b", r"\b(?:im|i am|i feel) not safe\b(?! to drive| driving| to be driving| on the roads)", r"\bnot safe (?:right now|with myself|tonight)\b",
        r"\bdont feel safe (?:with myself|around myself|tonight|right now)\b",
        r"\b(?:cant|unable to|not able to|dont think i can|not sure i can|dont know if i can|dont know how to) keep myself safe\b",
        r"\b(?:scared|afraid|terrified|worried) (?:of )?what i (?:might|could|will|would|am going to|im going to) do(?=\s*(?:$|[.!,]|right now|tonight|anymore))",
        r"\bdont trust myself(?: right now| anymore| tonight)?\s*(?:[.!]|$)",
        r"\b(?:cut|cutting|scratched|scratching|burned|burnt|burning)\b[^?]{0,30}\bdeeper this time\b",
    ),
    "burden": (
        r"\bbetter off without me\b" + _SHORT_BREAK, r"\b(?:be|are|were|would|d|theyd|hed|shed|everyone|everybody|theyre|youd|youre|spin|go on|get on|carry on|cope|manage|get by) (?:so |much |all |a lot |way |just |perfectly )?(?:better|easier|happier|fine|okay|ok) (?:off )?without me\b" + _SHORT_BREAK,
        r"\bif i (?:just )?(?:was|were|wasnt|werent|wasnt here|was not) (?:gone|here|around|dead|alive)\b",
        r"\bif i (?:just )?wasnt (?:here|around)\b", r"\b(?:im|i am|i feel like|feel like|being|ive become|i have become|im just|im such|im a|im the|just) (?:a |such a |just a |the )?burden\b", r"\bburden (?:to|on) (?:everyone|everybody|them|him|her|my|the|you|all)\b",
        r"\bstop being (?:the|a) problem\b", r"\bbeing the problem\b", r"\bfor all the trouble ive caused\b",
        r"\b(?:no ?one|nobody|no body) would (?:even |really )?(?:miss|notice|care)\b", r"\bwould anyone (?:even )?(?:care|notice|miss)\b(?! if i (?:ate|had|finished|hid|took a nap|napped|went|skipped|ordered))",
        r"\bdeserves? (?:a )?(?:better (?:mum|mom|mother|wife|parent|life|than me)|someone better)\b", r"\bbetter without me\b" + _SHORT_BREAK, r"\bwaste of (?:space|air|oxygen)\b",
        r"\b(?:everyone|everybody|everyones|they|theyd|family|kids|husband|hed|shed|the baby)\b[^.!?]{0,25}\bbetter off\b(?! (?:with|if|asleep|at|in|on|outside|inside|indoors|playing|napping|in bed))",
        r"\b(?:lighter|freer|richer|better|calmer) without me\b" + _SHORT_BREAK, r"\bwouldnt (?:even )?(?:remember|miss|notice) me\b",
        r"\bwould (?:anyone|the baby|the kids|my kids|they|he|she|my husband) (?:even )?(?:notice|care|miss me)\b(?! if i (?:ate|had|finished|hid|took a nap|napped|went|skipped|ordered))",
        r"\blife insurance\b[^.!?]{0,40}\bbetter off\b",
        r"\b(?:easier|better|freer|simpler|lighter) for (?:everyone|everybody|them|him|the kids|my family)\b[^.!?]{0,30}\b(?:if i|without me|once i)\b",
        r"\bim the problem\b(?!,? its me)", r"\bim (?:just )?a drain on\b", r"\btake me out of (?:it|the picture|the equation)\b", r"\bwont be a problem (?:for )?(?:much longer|long|soon|anymore)\b",
        r"\b(?:mum|mom|mother|wife|parent) who isnt (?:me|broken|a mess)\b", r"\bsoon (?:hell|shell|theyll) have one\b",
        r"\bim (?:just )?in the way\b", r"\b(?:need|needs|want|wants) me gone\b",
        r"\bbetter off with (?:my|their|his|her) (?:mum|mom|dad|sister|nan|grandma|gran|mother|father)s?\b", r"\bfree of me\b",
        r"\b(?:weight|burden) on my family\b", r"\bsorry for being (?:such )?a (?:pain|burden|problem)\b[^.!?]{0,30}\bwont happen again\b",
        r"\b(?:not going to|wont) be a problem (?:for (?:anyone|you|them|anybody) )?(?:for )?(?:much longer|long|soon|anymore)\b",
        r"\b(?:better|happier|easier) (?:life|lives) without me\b" + _SHORT_BREAK, r"\bwithout me dragging\b",
        r"\b(?:manage|cope|get by|be ok|be okay|be fine|be grand|be alright) without me\b" + _SHORT_BREAK, r"\bbetter (?:mum|mom|mother|wife) (?:than me|without|once (?:im|i am|i was) (?:gone|dead|not (?:here|around)))\b",
        r"\braise (?:him|her|them|the kids|the baby) better than me\b", r"\bforget me\b[^.!?]{0,20}\bif i go\b",
        r"\bbest gift i could give\b", r"\bfresh start\b[^.!?]{0,30}\b(?:without me|for him|for them|for everyone)\b(?![^.!?]{0,30}\b(?:school|nursery|job|house|class|creche|daycare)\b)",
        r"\b(?:being|been|im|i am) (?:such )?a drain on (?:everyone|everybody|you all|the family|my family|them all)\b",
        r"\b(?:needs?|deserves?|better off|should|would be better) (?:to )?be rid of me\b",
        r"\bim the (?:weight|dead weight|millstone)(?=\s*(?:$|[.!,]))",
        r"\b(?:better|happier|easier) (?:life|lives|childhood)\b[^.!?]{0,20}\bif i (?:just )?(?:wasnt|werent|was not|wasnt there|left)\b",
        r"\bim (?:just )?(?:a |the )?(?:weight|millstone|anchor|dead weight) (?:a)?round\b",
        r"\b(?:theyd|they would|theyll|they will|hed|shed|the kids|everyone|my family)\b[^.!?]{0,15}\b(?:float|thrive|flourish|breathe easier) without me\b" + _SHORT_BREAK, r"\bim (?:just )?(?:the |a )?(?:stuff|thing|clutter|obstacle) in the way\b",
        r"\bdeserves? (?:to )?never (?:to )?(?:know|meet|remember) me\b", r"\bim ruining\b[^.!?]{0,20}\bby (?:breathing|existing|being here|being alive)\b",
        r"\b(?:theyll|everyone will|everyone would|they will|they would|theyd) (?:cope|manage) after(?=\s*(?:$|[.!,]))",
        r"\bbetter (?:raised|looked after|brought up) by (?:literally )?(?:anyone|anybody|someone) else\b",
        r"\b(?:next|new) (?:wife|gf|girlfriend|partner)\b[^?]{0,30}\bbetter (?:mum|mom|mother)\b", r"\bbetter (?:mum|mom|mother)\b[^?]{0,60}\b(?:his|their dads|hubbys) (?:next|new) (?:wife|gf|girlfriend|partner)\b",
    ),
    "hopelessness": (
        r"\bcant (?:go on|keep going|keep doing this|do this anymore|take (?:it|this) anymore|do life|do this life)\b(?! (?:the|a|holiday|trip|our|my|his|her|rides?|that|this (?:trip|holiday|ride)|at (?:this|that) (?:pace|rate)|to)\b)",
        r"\b(?:no|whats (?:even )?the|what is the) point (?:anymore|in anything|of anything|of it all|in trying|of going on|in going on|of living|of carrying on)\b",
        r"\bno point (?:in |of )?(?:living|going on|carrying on|being alive|staying alive|existing)\b(?! about| with| at| in (?:the|this|that|a)| there| here| for (?:the|a|this|that))",
        r"\bwhats (?:even )?the point\s*(?:[.!?]|$)", r"\bno (?:way out|point anymore|future)\b", r"\bdont see a way out\b",
        r"\bhopeless\b(?! about (?:the|my|our|this|her|his) (?!life|future|everything|myself)| at\b| with (?!life|everything))", r"\bnothing (?:will|is going to) (?:ever )?(?:get|be) better\b", r"\bwant (?:it|this|everything|the pain) (?:all )?to (?:stop|end|be over)\b(?!\s*(?:raining|snowing|being so|for a|so i can|crying|teething))",
        r"\bhow (?:much )?longer i can (?:keep going|do this|go on)\b", r"\bdone with (?:life|everything|it all|living)\b",
        r"\bcant (?:keep )?liv(?:e|ing) like this\b", r"\bno reason to (?:keep going|live|go on|be here|stay|keep living)\b",
        r"\b(?:dont|cant|do not|cannot) see (?:the|a|any) point (?:in|of) (?:living|life|going on|anything|being alive|being here|staying alive|carrying on|any of it|waking up|getting up)\b",
        r"\bsee the point of any of it\b", r"\b(?:tomorrow|the future) (?:doesnt|does not) (?:really )?matter\b",
        r"\bgiv(?:e|ing) up on (?:everything|life|living|myself)\b",
        r"\b(?:cant|dont|do not|cannot) see (?:a|any) future (?:where|with|for) (?:im|me|i|myself)\b",
        r"\bcant see myself (?:here|alive|being here|being around|around|making it)\b", r"\bcant do (?:another|one more) day\b",
        r"\bthinking about (?:the |a )?ways? out\b", r"\b(?:pain|hurt|hurting) to (?:stop|end)(?: for good)?\b",
        r"\bfound (?:my|a) way out\b(?! of (?!(?:it|this|everything|life)\b))", r"\b(?:an|the) end (?:is )?coming\b(?! for)", r"\bno more pain for (?:anyone|everyone|me)\b",
        r"\b(?:not|stop) doing this anymore\b", r"\bcant imagine (?:being|still being) (?:around|here|alive)\b",
        r"\b(?:not|wont|never|dont think ill|doubt ill|not going to) (?:be |being )?around for (?:her|his|their|the babys|my babys) (?:1st|first|next)\b(?! day (?:at|of|back))",
        r"\b(?:hop(?:e|ing)|wish(?:ing)?) (?:i|id) (?:get|got|had|have|crash|die|get hit)\b[^.!?]{0,30}\b(?:terminal|cancer|accident|crash|hit by|die|(?:it|this|everything|it all)(?:d| would| will)? be over|so i (?:could|can) (?:die|stop|rest forever|be done|go))\b",
        r"\b(?:everything|its all)(?:s| is)? (?:planned|sorted|arranged) for (?:friday|saturday|sunday|monday|tuesday|wednesday|thursday|tomorrow|tonight|the weekend)\b(?![^.!?]{0,25}\b(?:party|birthday|wedding|shower|baby shower|christening|trip|holiday|visit|bbq|dinner|brunch|lunch|playdate|day out)\b)",
        r"\b(?:its|it is) time (?:for me )?to go(?=\s*(?:now|x)?\s*\.*\s*$)",
        r"\b(?:put|lay|set|putting|laying) (?:it all|everything) down for good\b", 
        r"\bnothing left (?:of me )?to (?:check on|fight for|live for)\b",
    ),
    "overdose": (
        r"\b(?:took|take|taking|taken|swallow|swallowed|swallowing|going to take) (?:all|a bunch|a handful|the whole|too many|everything|extra|a few extra|some extra|double|every)\b[^.!?]{0,25}\b(?:pills?|meds|tablets?|medicine|cabinet)\b", r"\b(?:take|taking|swallow|swallowed|swallowing|going to take) the whole bottle\b",
        r"\b(?:whole|entire) (?:bottle|pack|box) of (?:my )?(?:pills|tablets|meds|paracetamol|tylenol|sleeping pills|painkillers|ibuprofen|antidepressants|sertraline|citalopram|fluoxetine|codeine|tramadol)\b", r"\bhow (?:many|much)\b[^.!?]{0,30}\b(?:would it take|it would take|it takes|to overdose|is too much|is too many|are too many|is lethal|to die)\b",
        r"\boverdos(?!\w* on (?:chocolate|cake|sugar|sweets|candy|coffee|caffeine|cuteness|cute|netflix|tv|love|carbs|cheese|christmas))", r"\bsav(?:e|ed|ing) (?:up )?(?:my |all my )?(?:pills|meds|tablets)\b", r"\bstockpil\w* (?:of )?(?:my )?(?:pills|meds|tablets|paracetamol|tylenol|painkillers|sleeping)\b", r"\b(?:pills|meds|tablets|paracetamol|tylenol|painkillers)\b[^.!?]{0,20}\bstockpil",
        r"💊", r"\b(?:pills|meds|tablets)\b[^?]{0,30}\bthinking about (?:it|them|taking)\b",
        r"\bcount(?:ed|ing)? (?:my|the|all my|all the) (?:pills|meds|tablets|sleeping pills)\b",
        r"\b(?:pharmacy|pills|meds|tablets|tylenol|paracetamol)\b[^.!?]{0,40}\bstock(?:ing|ed)? ?up\b(?![^.!?]{0,30}\b(?:flu|winter|colds|season|trip|holiday|teething|fever|jabs|vaccin\w*|the cold|temperature)\b)",
        r"\bstock(?:ing|ed)? ?up on (?:pills|meds|tablets|tylenol|paracetamol|sleeping)\b(?![^.!?]{0,30}\b(?:flu|winter|colds|season|trip|holiday|teething|fever|jabs|vaccin\w*|the cold|temperature)\b)",
        r"\b(?:taken|take|took|taking|swallow) the lot\b", r"\b(?:took|taken|take|injected|inject) (?:way |a lot |loads |far )?more\b[^.!?]{0,40}\b(?:than i should|on purpose)\b",
        r"\bwoke up anyway\b", r"\b(?:putting|put|set|setting|keeping|kept) (?:a few |some )?(?:of )?(?:my )?(?:pills|tablets|meds) aside\b", r"\bmedicine cabinet\b(?=\s*(?:$|[.!,]))(?![^.!?]{0,30}\b(?:lock|locked|proof\w*|latch|safe|reach)\b)",
        r"\bpills (?:are |all )?ready\b(?! (?:at|for|to))",
        r"\b(?:have|got|ive) (?:enough|a lot of|all these) (?:of )?(?:my )?(?:pills|meds|tablets)\b(?! (?:for|until|till|to last))",
    ),
    "goodbye": (
        r"\btell (?:my |the )?(?:kids|babies|baby|children|husband|partner|family|mom|mum|dad|sister|brother|nan|girls|boys|son|daughter|him|her|them)\b[^.!?]{0,15}\bi love",
        r"\bgoodbye(?<![a-z] goodbye)(?: everyone| all| forever| for good)?\s*(?:[.!?]|$)(?![.!?\s]*(?:off to|see you|see ya|talk (?:later|soon)|speak soon|ttyl|have a|heading|gotta|got to go|going to bed|bedtime|nap))",
        r"\bbye(?: everyone| all| forever| for good)\b", r"\bbye(?<![a-z] bye)\s*[.!?]+\s*(?=\S)(?![.!?\s]*(?:off to|see you|see ya|talk (?:later|soon)|speak soon|ttyl|have a|heading|gotta|got to go|going to bed|bedtime|nap))", r"\bbye(?<=^bye)\s*[.!?]*\s*$", r"\b(?:my|the) (?:last|final) (?:text|message)\b(?! (?:you|from|was|about|said|i got|i sent you))",
        r"\b(?:sorry|thank you|thanks) for everything\b(?! (?:you (?:do|did|have done|ve done|re doing)|youre doing|youve done))", r"\blove you all\b[^?]{0,20}(?:goodbye|bye|sorry)|(?:goodbye|bye|sorry)[^?]{0,20}\blove you all\b",
        r"\b(?:take care|look after) (?:of )?(?:them|my (?:kids|babies|girls|boys|children|son|daughter))\b(?! (?:tomorrow|tonight|today|this|on|while|after|at|until|till|so i|when|for (?:the|a) (?:day|night|weekend|afternoon|morning|bit|few|couple)))",
        r"\bwr(?:ote|iting) (?:letters|notes|a letter|a note) (?:for|to)\b(?! (?:my )?future)(?!(?=[^.!?]{0,60}\b(?:birthday|christmas|santa|tooth fairy|thank|teacher|school|nursery)\b)(?![^.!?]{0,80}\b(?:in case|when im gone|after im gone|if im not|if anything happens)\b))", r"\bgiving away my\b(?! (?:old |baby |maternity |the )?(?:maternity|baby|bump|nursing|pram|cot|buggy|stroller|car seat|toys|breast pump|moses|bottles|high ?chair|newborn|nappies|diapers))",
        r"\bgoodbye (?:letters?|notes?)\b", r"\bsay goodbye properly\b", r"\blook after yourselves\b",
        r"\bjewell?ery\b[^.!?]{0,30}\b(?:to my|sister|daughter|gave|who gets)\b", r"\b(?:gave|giving|given)\b[^.!?]{0,30}\bjewell?ery\b",
        r"\b(?:everything|affairs)(?:s| is)? in order\b(?![^.!?]{0,30}\b(?:babys?|born|arrived|since|move|moving|trip|holiday|for the|for (?:her|him|them|the kids))\b)", r"\b(?:dont|do not|doh) worry (?:about|bout) me after\b", r"\b(?:shell|hell|theyll|she will|he will) find (?:everything|me)\b",
        r"\b(?:said|say|saying) a proper goodbye\b",
        r"\b(?:nobody|no one|noone) (?:needs|has) to worry (?:anymore|about me)\b", r"\byoull know why\b",
        r"\bwhoever reads (?:these|this)\b", r"\bit (?:wasnt|was never|was not) (?:their|your|anyones|his|her) fault\b",
        r"\bfor after(?=\s*(?:$|[.!,]))", r"\b(?:already|just) taken (?:them|it|the pills|the tablets)\b", r"\b(?:given|gave|giving) (?:away )?(?:all |most of )?my (?:stuff|things|belongings)\b(?![^.!?]{0,30}\b(?:declutter\w*|charity|tip|dump|op shop|goodwill|clear ?out|car boot|vinted|ebay|marketplace)\b)",
        r"\b(?:tell|let) (?:the |my )?\w+ (?:know )?i said goodbye\b", r"\btake me off (?:this|the) list after\b",
        r"\bpracti[cs]ing (?:the|my) (?:note|goodbye)\b", r"\b(?:pays?|paid) out (?:no matter how|if it looks like|even if)\b", r"\bstill pay out if\b",
        r"\bwho gets what\b", r"\b(?:making|made|make|finish(?:ed|ing)?) (?:the |my |final |some )?arrangements\b(?! (?:for|with) (?:the |a |her |his |their |my |our )?(?:party|birthday|wedding|holiday|trip|christening|baptism|visit|weekend|school|nursery|childcare|daycare|pickup|pick up|kids party))",
        r"\bwont(?<!we wont)(?<!they wont)(?<!she wont)(?<!he wont)(?<!baby wont) (?:be )?need(?:ing)? (?:it|them|this|that|those|these)(?: anymore| where)?\s*(?:$|[.!,]|anymore)",
        r"\bshould have (?:it|them) now\b", r"\b(?:said|saying|say) (?:my )?goodbyes\b",
        r"\b(?:when|after|once|if) (?:im|i) gone\b(?! (?:for|to|out|shopping|at|away|on)\b)", r"\bmy will\b[^.!?]{0,60}\bbefore (?:the weekend|friday|saturday|sunday|monday|tuesday|wednesday|thursday|tomorrow|tonight)\b",
        r"\bif i dont (?:reply|answer|respond)\b[^.!?]{0,30}\b(?:you|youll|you will) know why\b", r"\b(?:the )?last one (?:i|ill) (?:answer|send|reply)\b",
        r"\b(?:changed|changing|updated|updating) (?:the |my )?(?:life insurance )?beneficiary\b", r"\b(?:policy|insurance) (?:pays|would pay|will pay) out\b",
        r"\b(?:wrote|writing|made|make|did) (?:my|a) will\b[^.!?]{0,40}\b(?:weirdly|strangely|calm|peace|relief)\b",
        r"\bwhich songs (?:i want )?(?:played )?at (?:mine|my funeral)\b", r"\b(?:song|songs|music|hymns?) for my funeral\b", r"\bim about to put (?:her|him|them|you|everyone) through\b",
        r"\b(?:signed|sign|signing) (?:the )?guardianship\b", r"\bguardianship (?:papers|paperwork)\b", r"\b(?:if|in case) im not (?:around|here)\b", r"\bwhoever takes (?:him|her|them|the kids|the baby)\b",
        r"\bso (?:nobody|no one) has to deal with (?:it|that|this|anything)(?: after| later)?\b",
        r"\b(?:letter|note)\b[^.!?]{0,40}\b(?:hell|shell|theyll|he will|she will|they will) find it\b",
        r"\bsorry[.,!]* for everything\b", r"\b(?:goodnight|good night|bye|goodbye) (?:for real|forever|for good)\b",
        r"\bletters? (?:written )?for (?:everyone|the kids|each of)\b", r"\bkids will go to (?:my|their)\b(?![^.!?]{0,20}\b(?:on|for|this|tomorrow|tonight|at|while|after school|weekend)\b)",
        r"\bwont need to (?:text|check on|message|contact)(?: me)?(?: anymore| after| again)\b", r"\bwont need to (?:text|check on|message|contact) me\b",
        r"\b(?:insurance|papers|letters?|notes?|will)\b[^.!?]{0,40}\b(?:will|ll|can) find (?:them|it)\b",
        r"\b(?:its|this is|today is|todays) my last (?:day|week|night)(?=\s*(?:$|[.,]|so))", r"\bmy last check ?in\b(?! (?:for|before|until|till|of|this))", r"\b(?:dont|no need to) (?:bother )?(?:send|sending|call|calling) (?:the )?(?:police|ambulance|anyone)\b",
        r"\b(?:(?:wont|will not) be long |not long )?before (?:someone|anyone|they) needs? it\b", r"\bloose ends(?=\s*(?:$|[.!,]))",
        r"\bcard for every (?:year|birthday)\b", r"\b(?:memory|memories) of me\b", r"\bremember me by\b",
        r"\b(?:shell|hell|theyll|she will|he will|they will|youll|you will) know (?:what for|why)(?=\s*(?:$|[.!,]))",
        r"\bsaid goodbye\b[^?]{0,40}[.!,]\s*properly\b", r"\b(?:wrote|written|left|writing) (?:my )?(?:husband|partner|kids|family|mum|mom|sister|him|her|them) a (?:note|letter) (?:explaining|to explain) (?:everything|why|it all)\b",
        r"\bif i dont (?:reply|answer|respond)\b[^.!?]{0,20}\bdont bother (?:texting|messaging|checking|trying|calling)\b",
        r"\b(?:thisll|this will|this is|that was|thats) (?:be )?my (?:last|final) (?:reply|check ?in)\b(?! (?:for|before|until|till|of|this|tonight|today))",
        r"\bscheduled my (?:last|final) (?:post|message|text|tweet)\b(?! (?:for|before|until|till|of|this))",
        r"\bdelete my (?:number|details|contact)\b[^.!?]{0,20}\bafter (?:tonight|today|this)\b",
        r"\bfor what (?:im|i am) going to do(?=\s*(?:$|[.!,]))", r"\bi lov(?:e|ed) (?:her|him|them|you) and to look after\b",
        r"\bgave (?:my |her |him )?\w+ my (?:wedding|engagement) ring\b",
        r"\b(?:dont|do not) think (?:ill|i will) need (?:these|the|your|any more) (?:texts|check ?ins|messages)\b",
        r"\bthis is (?:probably|likely|maybe) my (?:last|final) one\b", r"\bthis is (?:probably |likely |maybe )?my (?:last|final) (?:reply|text|message)\b(?! (?:for|before|until|till|of|this|tonight|today))",
        r"\bif (?:something|anything) (?:ever )?(?:happens|happened) to me\b[.,!\s]*(?:something|it) (?:might|will|could)\b",
        r"\b(?:so|then) (?:hes|shes|theyre|he is|she is|they are|he isnt|she isnt|they arent|hes not|shes not|theyre not) (?:not )?stuck after(?=\s*(?:$|[.!,]))",
        r"\b(?:left|leaving|wrote down|written down|writing down|wrote out|written out|writing out) (?:all )?(?:the |my )?passwords\b(?! for (?:the )?(?:babysitter|sitter|nanny|childminder|grandparents|nan|grandma|wifi))",
        r"\blife insurance\b[^.!?]{0,40}\b(?:pays out|how it happens|suicide)\b",
        r"\b(?:wont|not going to|dont|wont be) need(?:ing)? (?:the|these|your|any more|more) (?:texts|check ?ins|messages)\b",
        r"\btake care of yourselves\b", r"\b(?:these|your) (?:texts|messages|check ?ins) (?:have )?meant (?:a lot|so much|the world)\b",
        r"\bwho gets my\b", r"\b(?:list|note) of who\b", r"\bwho i want to (?:have|take|raise)\b", r"\bpasswords written down\b",
        r"\bsorted (?:out )?everything\b[^.!?]{0,60}\b(?:passwords|bills|will|insurance|routine written)\b",
        r"\b(?:she|he|they) can have my\b(?! (?:old|spare|pram|cot|buggy|stroller|car seat|baby|maternity|bump|moses|bassinet|crib|bouncer|clothes|books|toys))", r"\bsaid (?:bye|goodbye) to the (?:dog|cat|kids|baby)\b",
        r"\btell (?:my |the )?(?:kids|mum|mom|dad|husband|family|sister|brother|him|her|them)\b[^.!?]{0,15}\bi love (?:her|him|them|you)\b[^.!?]{0,20}\bif (?:anything|something) happens\b",
    ),
    "harm_to_baby": (
        r"\b(?:scared|afraid|worried|terrified|frightened)\b[^.!?]{0,20}\b(?:ill|i will|im going to|i might|i could|of what i)\b[^.!?]{0,15}\b(?:hurt|harm|shake|drop|do to)\b(?!(?: (?:her|him|them|the baby|baby))? (?:in|during|getting|cutting|clipping|trimming|at (?:her|his|their|the) first|doing)\b)",
        r"\b(?:thoughts|thinking|think|thought|a thought) (?:i get |i have |i keep having )?(?:about |of )(?:smothering|hurting|harming|drowning|shaking|suffocating|dropping|throwing)\b(?! (?:a |one |the (?:nap|bottle|feed)|off\b|her off|(?:her|him|them) (?:to|down to|a|an)\b|up\b|him off|them off|it off|out|in\b|by\b))",
        r"\btelling me to (?:shake|hurt|drop|smother|throw|harm)\b", r"\b(?:safer|better off|happier) in heaven\b",
        r"\bwhat (?:my head|my brain|the voice|the voices) (?:tells|is telling|keeps telling|says) me\b",
        r"\b(?:my head|my brain|the voice|the voices|a voice) (?:keeps |is |keep )?(?:tell(?:s|ing)?|say(?:s|ing)?) me to\b",
        r"\b(?:took|take|taking) a (?:razor|blade|knife) to my\b(?! (?:legs|armpits|pits|hair|eyebrows|bikini|knees))", r"\blet go of the (?:pram|buggy|stroller|car seat)\b",
        r"\bi shook " + _KID + r"\b(?! (?:hand|hands|awake|up|off))", r"\bdont trust myself\b[^.!?]{0,20}\b(?:with|around|near)\b(?![^.!?]{0,25}\b(?:cake|chocolate|biscuits|cookies|wine|snacks|sweets|easter eggs|pizza|crisps|chips|shopping|money|card|online)\b)",
        r"\b(?:drop|dropping|shake|shaking|hurt|hurting) " + _KID + r" on purpose\b", r"\bwhat i (?:might|could|would) do to\b",
        r"\b(?:want|wants|wanted|wanting) to (?:hurt|shake|smother|throw) " + _KID + r"\b", r"\burges? to (?:shake|hurt|throw|drop|smother)\b",
        r"\bsafe from me\b", r"\b(?:cant|unable to|not able to|dont think i can|not sure i can|dont know if i can|dont know how to|no longer able to) keep " + _KID + r" safe(?=\s*(?:$|[^\w\s]|anymore|any more|right now|tonight|from me|around me|with me|like this))(?![^.!?]{0,40}\b(?:lol|lmao|haha\w*|climb\w*|stairs|gate|car ?seat|cot|crib|dog|cat|pool|oven|hob|stove|outlets?|sockets?|germs|bugs|flu|covid|cold)\b)", r"\b(?:dont|didnt|do not) trust my (?:hands|self)\b", r"\bnot (?:lifting|taking|getting|pulling) (?:her|him|them) out(?= of (?:the )?(?:bath|water|tub|pool))", r"\b(?:bath|water|tub)\b[^.!?]{0,40}\bnot (?:lifting|taking|getting|pulling) (?:her|him|them) out\b",
        r"\bshould (?:smother|shake|hurt|drown|drop|suffocate) (?:her|him|them|the baby|my baby)\b",
        r"\bpicturing (?:myself )?holding (?:him|her|them) too tight\b",
        r"\b(?:almost|nearly) (?:shook|hit|hurt|smothered|threw) " + _KID + r"\b",
        r"\b(?:pictures?|images?|flashes) (?:in my head )?of (?:me )?(?:dropping|hurting|shaking|smothering|drowning|throwing|holding (?:him|her|them) under)\b",
        r"\bhold (?:him|her|them|the baby) under\b",
        r"\b(?:burnt|burned|cut|hurt|hit|harmed|punched|scratched) myself\b[^.!?]{0,30}\b(?:on purpose|deliberately|again|to feel|so i could)\b",
        r"\b(?:picturing|imagining|seeing|keep seeing|thinking about|thoughts of) (?:myself )?(?:dropping|hurting|shaking|smothering|drowning|throwing|suffocating|holding a pillow over)\b(?! (?:a |one |the (?:nap|bottle|feed)|off\b|her off|(?:her|him|them) (?:to|down to|a|an)\b|up\b|him off|them off|it off|out|in\b|by\b))",
        r"\bpillow over (?:his|her|their|the babys) face\b",
        r"\b(?:scared|afraid|terrified|worried) (?:that )?(?:id|i would|i might|ill|i will|im going to) (?:shake|hurt|drop|smother|hit|snap at) " + _KID + r"\b(?!(?: (?:her|him|them|the baby|baby))? (?:in|during|getting|cutting|clipping|trimming|at (?:her|his|their|the) first|doing)\b)",
        r"\bwhat i (?:might|could|will|would) do\b[^.!?]{0,20}\b(?:alone with|around) " + _KID + r"\b",
        r"\b(?:snap and )?do something to " + _KID + r"\b",
        r"\b(?:shouldnt|cant|should not|cannot) be trusted (?:with|around) " + _KID + r"\b",
        r"\bheld (?:him|her|them|the baby) under\b",
        r"\b(?:flash|flashes|urge|urges|image|picture) of (?:just )?letting (?:go|her go|him go)\b",
        r"\b(?:the )?voices (?:say|says|tell|telling|keep)\b[^.!?]{0,60}\b(?:get rid of|hurt|harm|drown|smother)\b",
        r"\b(?:the |a )?voices? in my head (?:says?|tells? me|keeps? saying|keeps? telling me)\b[^.!?]{0,40}\b(?:safer|hurt|harm)\b",
        r"\b(?:she|he|they|the baby|baby|the kids)(?:d| would|s| is| are)? (?:be )?safer (?:if i|without me)\b", r"\b(?:balcony|stairs|window|bath|water|pram|buggy|edge|ledge|railing|rail)\b[^.!?]{0,60}\burges? to (?:just )?let (?:go|her go|him go)\b", r"\burges? to (?:just )?let (?:go|her go|him go)\b[^.!?]{0,40}\b(?:balcony|stairs|window|bath|water|pram|buggy|edge|ledge|railing|rail)\b",
        r"\b(?:my head|my brain|the voices?) (?:says?|tells? me|keeps? (?:saying|telling me|going on)|goes on)\b[^.!?]{0,30}\b(?:knife|knives)\b", r"\b(?:picture|image|thought) of (?:letting go|dropping (?:him|her)|drowning)\b(?! off)",
        r"\b(?:knives|knife)\b(?![^.!?]{0,30}\b(?:away|reach|locked|lock|proof\w*|safe|hide|hid|block|butter|plastic|toy|grabbed|spoon)\b)[^.!?]{0,30}\b(?:the baby|my baby)\b", r"\b(?:the baby|my baby)\b[^.!?]{0,30}\b(?:knives|knife)\b(?![^.!?]{0,20}\b(?:away|reach|locked|lock|drawer lock|block|proof\w*|safe)\b)",
    ),
    "escape": (
        r"\b(?:want|wanted|wish|going|ready|like) (?:to )?(?:just )?(?:disappear|vanish)\b(?! (?:to|under|into|for (?:a|an|the|some|\d)|on|off to|with|somewhere|at|in)\b)",
        r"\bwish i could (?:just )?(?:disappear|vanish)\b(?! (?:to|under|into|for (?:a|an|the|some|\d)|on|off to|with|somewhere|at|in)\b)", r"\b(?:run away|leave|go) and never come back\b",
        r"\b(?:left|ran away|walked out|drove away) and never came back\b",
        r"\b(?:go away|leave|be gone|disappear|vanish)[.,]* for good\b",
        r"\b(?:me|myself|if i|if im|im|i was|i were|once im)\b[^.!?]{0,15}\b(?:out of|not in) the picture\b", r"\b(?:not|stop) (?:existing|exist) anymore\b", r"\btired of being here\b(?! in| at)",
        r"\bif i (?:just )?(?:disappeared|vanished|was gone|were gone)\b(?! for\b)",
    ),
}

# Replies that must reach a person however their words read (VADER finds "please help" positive):
# a plea for help or for someone to talk to, and a danger from someone at home. They are never ok or
# unclear, only low or worse; negated ("dont need help") or someone else's, the words decide as usual.
# Most end the clause, so a request ("help me with the forms", "call me about the appointment") is not one.
_END = r"(?=\s*(?:$|[^\w\s]))"


def _opens_clause(word: str) -> str:
    """A word with no word just before it (normalised text has at most two spaces in a row); checked
    after the word, so the pattern still starts with a letter the scorer can nest it under."""
    return rf"\b{word}(?<![a-z0-9] {word})(?<![a-z0-9]  {word})"


_PARTNER = r"(?:husband|partner|boyfriend|bf|hubby|ex|fiance|dad|father|stepdad|brother|mum|mom|mother|wife|girlfriend|gf|mil|fil)"
# Scared of him, said of herself: "the dog is scared of him" is not one.
_SCARED = r"(?:scared|afraid|terrified|frightened)"
_OF_HIM = (r"of (?:him|my " + _PARTNER + r"|what (?:he|hell|he will|he might|he could|he would) do)"
           r"(?=\s*(?:$|[^\w\s]|(?:now|right now|lately|anymore|again|tbh|honestly|sometimes|when he|at home|but|and)\b))")
REACH_OUT: dict[str, tuple[str, ...]] = {
    "plea": (
        r"\bplease (?:just |someone |somebody |anyone )?help(?: me| us)?(?: please| now| right now| asap)?" + _END,
        r"\b(?:someone|somebody|anyone|anybody) (?:please )?help(?: me| us)?(?: please| now| right now| asap)?" + _END,
        r"\b(?:i |i really |i just |i think i |really |just )?need (?:some )?help(?: please| now| right now| asap| urgently| today| tonight)?" + _END,
        r"\bneed (?:to talk|to speak) to (?:someone|somebody|anyone|a person|a real person|a human)(?: please| now| right now| asap| urgently| today| tonight| soon)?" + _END,
        r"\bneed (?:someone|somebody) to talk to\b", r"\bi (?:really |just )?need (?:someone|somebody)(?: now| right now| please| here| with me)?" + _END,
        r"\b(?:can|could|will|would) (?:someone|somebody|anyone|anybody) (?:please )?(?:call|ring|phone|text) me(?: please| now| right now| asap| today| tonight| back)?" + _END,
        r"\b(?:someone|somebody|please) (?:call|ring|phone) me(?: please| now| right now| asap)?" + _END,
        _opens_clause("help") + r"(?: me| us)?(?: please| pls| plz| now)?" + _END,
    ),
    "unsafe": (
        r"\b(?:he|hes|my " + _PARTNER + r"|" + _PARTNER + r"|his (?:dad|brother|mum|mom)|the kids dad|babys dad)"
        r"(?: (?:has|had|just|keeps|kept|always|was|is|been|started|still|then|also|even|sometimes|often|again|actually))*"
        r" (?:hit|hits|hitting|punch(?:ed|es|ing)|slap(?:ped|s|ping)|chok(?:ed|es|ing)|strangl(?:ed|es|ing)|beat|beats|beating|"
        r"shov(?:ed|es|ing)|threaten(?:ed|s|ing)|hurt|hurts|hurting|kick(?:ed|s|ing)|push(?:ed|es|ing)|smack(?:ed|s|ing)|throttl(?:ed|es|ing)) me\b"
        r"(?! (?:up|out|back|to|into|awake|off|in (?:his|her|their) sleep|all night|in the (?:ribs|bladder|back) all night)\b)"
        r"(?![^.!?]{0,40}\b(?:toys?|bottle|spoon|block|rattle|ball|book|lol|lmao|haha\w*|accident\w*|by mistake|playing|play fight\w*|"
        r"tickl\w*|news|idea|bill|question|guilt|joke|comment|text|message|teeth|teething|tantrum\w*|overtired|nappy|diaper|feeding)\b)",
        r"\b(?:im|i am|i|i get|i feel|ive been|i was|i think im)(?: (?:so|really|very|actually|honestly|kind of|kinda|a bit|bit|getting|"
        r"still|always|just|genuinely|properly|quite|starting to be))* " + _SCARED + " " + _OF_HIM,
        *(_opens_clause(w) + " " + _SCARED + " " + _OF_HIM for w in ("so", "really", "honestly", "just", "genuinely")),
        *(_opens_clause(w) + " " + _OF_HIM for w in ("scared", "afraid", "terrified", "frightened")),
        r"\b(?:not|never|dont|do not|no longer) (?:feel |felt |really feel )?safe (?:at home|in (?:my|our|this|the) (?:own )?(?:home|house|flat|apartment)|"
        r"(?:with|around|near) (?:him|my " + _PARTNER + r"))\b",
        r"\b(?:dont|do not|never|no longer) (?:feel|felt) safe(?: here| anymore| at all)?" + _END,
    ),
}

# A warning sign no single phrase carries: a means and, in the same sentence, a thought turned
# towards it. Medicine with counting or saving ("how many would it take", "saving my tablets");
# a height, water, a train, a rope or a bath with looking or picturing ("the bridge looks peaceful",
# "how high", "one step and it'd all stop"). Ordinary talk of a dose, an errand or an outing
# (MEANS_ORDINARY) is not one.
MEANS: tuple[tuple[str, str], ...] = (
    (r"pills?|tablets?|meds|medication|prescriptions?|paracetamol|tylenol|acetaminophen|ibuprofen|advil|sertraline|zoloft|prozac|"
     r"citalopram|fluoxetine|xanax|valium|diazepam|codeine|oxycodone|oxycontin|oxys|oxy|scripts|percocet|vicodin|hydrocodone|norco|insulin|tramadol|morphine|lorazepam|ativan|"
     r"ambien|zopiclone|amitriptyline|quetiapine|seroquel|lithium|painkillers|pain meds|antidepressants",
     r"how (?:many|much|long)|would it take|it would take|too many|enough to|saving|saved up|stockpil\w*|"
     r"instead of taking|just in case|(?:not|didnt|never|wouldnt) wake|aside|counting|(?:its )?enough now|"
     r"(?:took|taken|swallowed) (?:a load|loads|a lot|lots|a handful|a bunch)|(?:about|over|nearly|almost) \d+ now|decent number|"
     r"hid(?:e|ing|den)|hiding|which (?:ones?|would|pills|tablets|is (?:the )?(?:strongest|most))|googl\w*|looked up|looking up|research\w*|painless|dont hurt|hoard\w*|on purpose|"
     r"to see what would happen|so nobody would ask|different (?:chemists|pharmacies|shops|stores)|bought (?:a lot|loads|lots)|"
     r"in my hand|put them back|this time|in a jar|(?:over|about|nearly|almost) \d+|(?:take|took|taking|swallow\w*) all|all my|"
     r"vodka|wine|alcohol|booze|the rest of|nearly got enough|enough of|stock(?:ing|ed)? ?up|sort (?:everything|it all)(?: out)?"),
    (r"rope|bridge|car ?park|multi ?stor(?:e)?y|parking (?:garage|structure)|roof(?:top)?|balcony|ledge|cliff|"
     r"trains?|tracks|railway|platform|reservoir|dam|weir|canal|pier|river|lake|quarry|stairs|bath(?:tub)?|knife|knives|blades?|razors?",
     r"peaceful|calling (?:me|to me)|keeps? calling|how (?:high|deep|far|fast)|definitely work|actually work|would work|in the (?:boot|trunk)|"
     r"havent used|all i think about|keep (?:picturing|imagining|looking)|cant stop (?:picturing|looking)|picturing|"
     r"one step|(?:it|that)(?:d| would)? (?:all )?stop|(?:didnt|not|never) get out|letting go|dunno why im telling|"
     r"sat (?:in the car|there) (?:a long time|for ages)|look at (?:it|them)|looking at (?:it|them)|(?:picking|choosing) (?:out )?which|which (?:bridge|roof|cliff|building|one)|"
     r"keep going back|in my hand|wasnt for|wrists?|step off|(?:looked|looking) up (?:the )?(?:height|how high|how tall|how deep)|star(?:e|ing) at (?:the |it|them)|how deep|how (?:quiet|easy|quick)|quiet it would be|look(?:ing)? down|stare down|how cold|havent done anything|wanted someone to know"),
)
MEANS_ORDINARY = (r"can i (?:take|give|have)|should i (?:take|give)|safe (?:to|while|for)|breastfeeding|dose|dosage|prescribed|"
                  r"per day|a day|every \w+ hours|(?:are|is) left|left in|fever|teeth|teething|doctor|gp|pharmacist|nurse|midwife|refill|errands?|"
                  r"school run|shopping|holiday|vacation|walk(?:ed|ing)?|stroll|pram|buggy|stroller|picnic|ducks|we|us|"
                  r"bath ?time|bathtime|(?:her|his|the babys) bath|swim\w*|surf\w*|paddl\w*|boat|sail\w*|beach|fishing|kayak\w*|"
                  r"view|sunset|sunrise|beautiful|gorgeous|lovely|bliss|flu|a cold|colds|the cold|headaches?|migraines?|cramps|flu season|"
                  r"jabs|vaccin\w*|temperature|infection|poorly|chopp\w*|onions?|veg\w*|bread|babys|"
                  r"started|starting|helping|side effects|hot bath|long bath|bubble bath|bubbles|candles?|relax\w*|glass of wine|me time|"
                  r"toddler|from the (?:kids|baby|children)|out of reach|baby ?proof\w*|child ?proof\w*|"
                  r"can (?:she|he|they|the baby|baby|my baby|we) (?:take|have|get)|infant|childrens|in 24 ?h(?:ours|rs)?|"
                  r"new tablets?|tablets? for (?:the kids|christmas|the car|school)|ml|mg|lbs?|kg|\d+ (?:weeks?|months?) old|how long after|between doses|nappy bag|changing bag|diaper bag|road trip|first aid|"
                  r"the pill|mini pill|contracepti\w*|birth control|ipads?|screen time|kindle|apps?|counting down|"
                  r"rain\w*|flood\w*|storm\w*|weather|loves|obsessed|napping|naps?|(?:baby|she|he) (?:is |was |fell )?asleep")
# Masks people put on a crisis question: the words of someone else, or a "joke", do not soften it.
CRISIS_MASKS = r"hypothetical(?:ly)?|asking for a friend|random question|just curious|just wondering|lol jk|jk jk|unless\?"

# Words that, just before a crisis phrase, turn it into a statement a human should still see.
NEGATIONS = frozenset({"not", "never", "no", "dont", "wouldnt", "wont", "isnt", "cant", "didnt", "nothing", "nor"})
# After "no", these nouns make the "no" the hopeless statement itself ("no point in living", "no reason
# to go on"), not a denial of the crisis words that follow.
NO_IS_THE_SIGN = frozenset({"point", "reason", "purpose", "use", "sense", "meaning", "hope"})
THIRD_PERSON = frozenset({"she", "he", "they", "friend", "sister", "brother", "cousin", "mom", "husband", "someone",
                          "people", "hes", "shes", "theyre", "coworker", "neighbor", "neighbour"})
FIRST_PERSON = frozenset({"i", "im", "id", "ive", "ill", "me", "myself"})
# Negations that flip the mothers' lexicon ("wasnt great", "doesnt feel good"). Wider than
# NEGATIONS on purpose: before a crisis phrase, "i wasnt kidding about wanting to die" must
# stay a crisis, so only the plain negations above soften one.
WORD_NEGATIONS = NEGATIONS | frozenset({"wasnt", "werent", "arent", "aint", "doesnt", "havent", "hasnt", "hadnt",
                                        "couldnt", "shouldnt", "neither", "nuh", "ion", "cyaan", "caan"})

# The mothers' lexicon: (reason name, weight, single words, multi-word phrases as regex).
# Negative weights pull towards low. Single words are looked up in a dict (fast); phrases
# win over the single words inside them ("could be better" is not "better"), and phrases
# that already hold their negation ("not ok", "no sleep") are never flipped again.
LEXICON: tuple[tuple[str, float, str, str], ...] = (
    ("touched_out", -1.5, "", r"touched out|tired of being touched|(?:being )?touched all day"),
    ("drowning", -1.5, "drowning", ""),
    ("cant_cope", -1.5, "", r"cant cope|not coping|cant handle|cant deal|cant take (?:it|this|much more)|how much more|cant do (?:this|it)"),
    ("running_on_empty", -1.5, "", r"running on (?:empty|fumes|nothing)|nothing left|running low"),
    ("no_sleep", -1.0, "zombie sleepless insomnia",
     r"no sleep|not slept|havent slept|no naps?|sleep deprived|up every (?:hour|hr)|up all night|worst night|"
     r"(?:not|barely|hardly|never) sleeping|(?:cant|couldnt) sleep|(?:barely|hardly) (?:slept|sleep)|(?:nobody|no one) (?:is )?sleeping"),
    ("crying", -1.0, "crying cried cry tears teary weepy sobbing sob chorei llorando llore",
     r"(?:wont|cant|doesnt|dont|didnt|never|wouldnt) stops? (?:crying|screaming)"),
    ("failing", -1.5, "failing failure disappointing worthless useless pathetic",
     r"fail at|i suck|let (?:her|him|them|everyone|the kids) down|not cut out|(?:bad|terrible|awful|horrible|worst|rubbish|crap|shit|useless) (?:mom|mother|mum|parent)"),
    ("alone", -1.5, "sola sozinha alone lonely isolated invisible unappreciated unseen unheard",
     r"(?:no ?one|nobody|no body) to (?:help|talk to|turn to|lean on)|(?:ion|i dont|dont) (?:got|have) (?:nobody|no one|anyone) to help|like a ghost|(?:nobody|no one|noone) checks? (?:on|in on)(?: the strong (?:friend|one|mum|mom))?|(?:no one|nobody) (?:helps|asks|cares|gets it|gets me|understands|notices)|no help|doesnt get it|left out|ghosted|its just me|wish i had a village|"
     r"(?:havent|not) (?:spoken|talked) to (?:another|an|any) adult|friends (?:all )?stopped|taken for granted|(?:everyone|people|they) (?:judges?|judging|stares?|staring at) me|feel judged"),
    ("overwhelmed", -1.5, "sobrecarregada harta pareshaan wahala hirap mushkil overwhelm overwhelmed overwhelming heavy drained burnout burnt",
     r"over whelmed|stretched thin|(?:all|its|is|was|been|feels|this is) too much|too much(?= *(?:$|[.!?,]|right now|today|lately|for me|to handle))|(?:was|is|its|been|so) a lot(?! of| better| more)|cant do it all|so behind|behind on everything|burn(?:ed|t)? out"),
    ("exhausted", -1.0, "cansada cansado cansa cansadisima cansadissima agotada agotado exausta exausto pagod thak thaki exhausted tired wiped knackered sleepy shattered wrecked fried depleted banjaxed puggled",
     r"no (?:more )?(?:power|energy|strength) left|(?:i have|ive got|got) no (?:more )?(?:power|energy|strength)|worn (?:down|out)|wore out|done in|tapped out|cream crackered|running on no sleep|(?:so|absolutely|totally|completely) (?:cooked|spent|rooted|smashed|hanging)"),
    ("struggling", -1.5, "struggling struggle struggled struggles barely",
     r"(?:im|so|just|completely|totally) (?:so )?done(?=\s*(?:$|[.!,]|with (?:today|it all|everything|this|all of it)))|hanging (?:on )?by a thread|wits end|wits and|at my limit|in a heap|in (?:bits|ribbons|pieces)|cant catch a break|overstimulated|scunnered|end of my rope|breaking me|losing (?:it|my mind)|lost it|(?:im|i am|feel(?:ing)? like|such|total|complete|emotional|been|hot) (?:a )?mess|"
     r"(?:just|barely|only) surviving|survival mode|struggling to bond|(?:trying to |cant )hold it together|(?:cant|not) bond(?:ing)?|cant afford|counting coins|falling apart|nothing (?:is )?(?:going|goes) right|everything (?:is )?going wrong"),
    ("snapped", -1.0, "snapped snapping yelled rage angry irritable cranky grumpy frazzled stressed stress frustrated frustrating",
     r"screamed at|short fuse|(?:on )?my last nerve|(?:at the )?end of my tether"),
    ("guilt", -1.0, "guilt guilty ashamed regret", ""),
    ("not_myself", -1.5, "numb empty autopilot blur",
     r"(?:dont|not) feel like (?:myself|me)|not (?:myself|feeling myself)(?=\s*(?:$|[.!,]|today|lately))|(?:dont|cant) recogni[sz]e myself|going through the motions|"
     r"(?:dont|cant) feel anything|shell of (?:myself|who i was|my old self)|lost myself|milk machine|feel like (?:a )?robot|not a person|disconnected|used to be (?:fun|happy|me)"),
    ("self_neglect", -1.0, "",
     r"skipping meals|skipped (?:lunch|meals|dinner|breakfast)|(?:havent|not|didnt) (?:showered|eaten|left the house|eat|shower)|forgot to eat|(?:dont|cant|couldnt|didnt) (?:want to )?get out of bed"),
    ("anxious", -1.0, "anxious anxiety panic panicking worried worry worrying scared afraid",
     r"on edge|wobbly|(?:had a|proper|bit of a|big) wobble|cant stop (?:worrying|panicking|shaking|overthinking)|cant breathe|(?:mind|thoughts|heart)(?: is| was| keeps| been| kept)? racing|racing (?:thoughts|heart|mind)"),
    ("meh", -0.5, "bleh blah meh", r"so ?-?so"),  # a so-so day is a meh, not the lowest
    ("down", -1.0, "triste malungkot udaas sad miserable depressed depression depressing unhappy ugh ughh",
     r"(?:feel|feels|feeling|felt|so|kinda|pretty|bit|really|been|im|very|real|proper|super) (?:(?:real|proper|super|really|so|pretty) )?(?:down|low|blue)|(?:my )?(?:spirits?|mood|energy) (?:is|are|was|so|been|feels?) (?:so |really )?(?:down|low)|my life is over|low (?:mood|day)|(?:so )?over (?:it|today)|"
     r"(?:idc|dont care) (?:anymore|about anything)|nothing matters|miss home|homesick|gutted|cant face (?:people|anyone|it)|in a (?:mood|funk)|(?:feel|feeling|bit|so|pretty|really|im) (?:flat|grey|gray)|fed up"),
    ("grief", -1.5, "miscarriage miscarried stillborn stillbirth grieving grief funeral",
     r"would have been (?:my|our|her|his) (?:due date|birthday|\w+ birthday)|passed (?:away|on)|lost (?:the|my|our) (?:baby|pregnancy|mom|dad|mother|father|grandma|grandpa)"),
    ("bad", -1.0, "mal shite crook skint rough tough hard difficult rubbish bad awful terrible horrible crap crappy shit shitty suck sucks sucked sucky worst hate hurts hurt pain sick",
     r"(?:stomach|sickness|tummy) bug|norovirus|vomiting|puking|throwing up|(?:have |ive |had )?had better days|seen better days|not crash hot|hates? me|(?:been )?a bit of a day|(?:feel(?:ing)?|bit|kinda|so) off(?=\s*(?:$|[.!,]|today))|"
     r"miss(?:ed|ing) (?:her|his|their|the babys|my babys) first(?: \w+)?|kicked (?:me|us) out|(?:in|at) (?:the )?hospital|on the ward|nicu|"
     r"(?:feel(?:ing)?|so|pretty|totally|completely) hopeless|(?:we|i|had a|big|huge|massive|another) (?:row|blue)\b|rowing|"
     r"(?:no|not enough) money|money(?:s| is) (?:tight|short)|(?:dont|cant) know how (?:im|were|i am|we are) (?:feeding|paying|going to pay)|"
     r"(?:want|need|wish for) (?:one|a|just one) (?:full )?night (?:of|where i|of proper) ?sleep|miss my|nobody warned|not feeling it|(?:ive |have )?been better|could be better|couldnt be worse|good grief|unfair|not (?:doing |feeling )?(?:so |too )?hot|"
     r"(?:not|isnt|aint|wasnt) fair|(?:had|have|big|another|huge) (?:a )?fight|(?:we|i|keep|kept) (?:fought|fighting|fight)\b"),
    ("need_help", -1.0, "", r"need (?:a )?(?:help|break|breather|hug)|someone (?:come|take)|come over|please call|send help|help me(?: please| pls| plz)?(?=\s*(?:$|[.!,]))"),
    ("ok", 0.5, "bien bem theek tamam mabuti accha alhamdulillah ok okay fine alright aight decent normal average survived",
     r"same old|(?:the )?good kind of tired|(?:fine|ok|okay|good|alright),? (?:just )?(?:a )?(?:bit|little|wee bit) (?:tired|sleepy|knackered)|canny complain|mustnt grumble|cant grumble|could be worse|not (?:great|good),? not (?:terrible|awful|bad)|hanging in(?: there)?|no complaints|cant complain|my bad"),
    ("good", 1.0, "easy masaya mast badhiya chillin vibin good gud great better best nice perfect solid productive chill calm calmer relaxed rested lovely grand brave sunny",
     r"(?:doing|going|really|pretty|very|so|all|slept) well|well (?:thanks|rested)|feel(?:ing)? human|myself again|new person|"
     r"(?:guilt|worry|stress|pain|drama|tantrum)[ -]?free|bad ass|(?:is|was|its|are) the shit(?! out)|hopeful|optimistic|"
     r"alone time|me time|(?:alone|on my own|to myself) for (?:\d+|an?|half an|twenty|ten|a whole) (?:mins?|minutes|hours?|hrs?|day|afternoon|evening|morning)|"
     r"(?:an?|the|whole) (?:hour|afternoon|evening|morning|day) (?:to myself|alone)|one less thing to worry about|nothing to worry about|"
     r"all (?:fine|good|ok|okay|well)|(?:slept|sleeping|sleeps) through(?: the night)?|barely (?:cried|fussed|flinched|noticed|complained|woke|stirred|a peep|made a sound|murmured|whinged|moaned)|on the mend|nothing major|made it (?:on time|in time|through)|good (?:knackered|tired|exhausted)"),
    ("happy", 1.5, "happy amazing awesome fantastic wonderful excellent love loved loving proud blessed grateful thankful content crawled "
     "peaceful relief relieved yay woohoo winning strong excited enjoy enjoying enjoyed fun cute melting progress miracle nailed",
     r"first (?:steps?|words?|smiles?|tooth|giggle|laugh)|rolled over|(?:started|is|was) (?:crawling|walking)|milestone|worth it|killed it|killing it|cant stop (?:smiling|laughing)|crushed (?:it|my)|(?:couldnt|could not) (?:be|have been) (?:better|happier)|never (?:been|felt) (?:better|happier)"),
    ("laughing", 0.5, "lol lmao haha hahaha hehe laugh laughing laughed giggling giggled giggles",
     r"laugh(?:ed|ing)? so hard|died laughing|im dead|im dying"),
    ("hyperbole", 0.0, "", r"killing me|kills me|killed me|nearly died|almost killed|could die for|dying to|dying for"),
    # Idioms whose words would count one way but say nothing of her mood: VADER decides.
    ("idiom", 0.0, "", r"best (?:friend|mate|pal)s?|work(?:ed|ing|s)? (?:so |really |very )?hard|hard work(?:er|ing)?|go(?:ing)? hard|tr(?:y|ying|ied) (?:so )?hard|"
     r"hard to (?:beat|believe|resist|contain|say|tell)"),
)

# Emoji scored on their own: (reason, weight). Crying faces are read as happy tears
# when anything else in the reply is positive ("first steps 😭😭 so proud").
EMOJI: dict[str, tuple[str, float]] = {
    **{e: ("crying", -1.0) for e in "😭😢😿🥲"},
    **{e: ("laughing", 0.5) for e in "😂🤣💀😹"},
    **{e: ("emoji_low", -1.0) for e in "😞😔😩😫😖😣☹🙁😟😥😰😓😑😐😒😤😡😠🤬💔🫠🥱😪🫥🥴😶"},
    **{e: ("emoji_ok", 1.0) for e in "😊🙂😀😃😄😁😆😍🥰😘❤💕💖💗💛💙💜🧡💚🤍♥🙌👍🎉✨☺😌🤗💪🥳🌞🌈☀"},
}
EMOTICONS: dict[str, float] = {":)": 1.0, ":-)": 1.0, ":d": 1.0, "(:": 1.0, "<3": 1.0, ";)": 1.0,
                               ":(": -1.0, ":-(": -1.0, ":((": -1.0, ":/": -0.5, ":|": -0.5, "):": -1.0, ":'(": -1.5}
# Sarcasm turns the positive words of the same reply into complaints.
SARCASM = r"🙃|living the dream|oh (?:great|fantastic|wonderful|joy|perfect)|just (?:great|perfect|wonderful|fantastic)|(?:great|perfect|fantastic)\.\s*just (?:great|perfect|fantastic)|thanks for nothing"
# A grudging "fine" is not fine.
HEDGES = r"i guess|i suppose|whatever|not really|or something|supposedly"
# Replies that say nothing either way; the conversation layer asks a follow-up.
NO_SIGNAL = r"idk|i dont know|dunno|not sure|hm+|eh|ok\?|okay\?|\?+|long day|same|busy|\.+"
