"""What the speech evaluation set says: scenes of a domestic-abuse call-out, with known words.

Each line is ``(role, text, factors)``. Words in [brackets] are the risk words whose hearing
is measured (the brackets are not spoken); ``factors`` names the risk factors the line
discloses (slugs as in resources/risk_factors.json), empty for ordinary talk. Roles: O the
officer wearing the camera (close to the microphone), V the victim and S the suspect (a
few metres away: "distance" applies to them), B a bystander.

TUNE scenes choose the decoding settings; HELDOUT scenes (other sentences, other voices,
other conditions) only test what was chosen: tests/core/test_suggest_heldout.py runs on
them. Ordinary lines hold words that sound like risk words ("strolled", "skilled", "throw
it", "knives and forks" is avoided: a literal risk word is not a false insertion).
Real recordings (``real:`` voices, from Debian packages: see tests/data/asr/SOURCES.md) say
their transcripts as far as they are known (there, where each comes from).
"""

from __future__ import annotations

# -- tuning -----------------------------------------------------------------------------------
TUNE = {
    "tune-strangled": {
        "voices": {"O": "espeak:en-gb:160", "V": "espeak:en-gb+f3:150"},
        "conditions": ["room", "distance+babble10"],
        "lines": [
            ("O", "Police. Can you come to the door for me, please?", ()),
            ("V", "He grabbed me by the [throat].", ("strangulation",)),
            ("O", "Okay. Take your time and tell me what happened.", ()),
            ("V", "He [strangled] me in the kitchen.", ("strangulation",)),
            ("V", "I couldn't [breathe] at all.", ("strangulation",)),
            ("O", "Is he still inside the house right now?", ()),
            ("V", "He strolled out of the back door after that.", ()),
            ("V", "I'm really [scared] of him.", ("fear",)),
            ("O", "Right, we will get somebody to come and sit with you.", ()),
        ],
    },
    "tune-threats": {
        "voices": {"O": "espeak:en-us:165", "V": "piper:joe"},
        "conditions": ["room", "clatter5"],
        "lines": [
            ("O", "Can you tell me your full name and date of birth?", ()),
            ("V", "He said he would [kill] me if I called you.", ("threat-to-kill",)),
            ("V", "He had a [knife] in his hand.", ("weapon",)),
            ("O", "Where did he put it after that?", ()),
            ("V", "He told me he is going to [kill] me and the [kids].", ("threat-to-kill", "children")),
            ("O", "He is quite skilled at keeping out of our way, isn't he?", ()),
            ("V", "Last time he threatened me with a [hammer].", ("weapon",)),
            ("O", "Thank you. My colleague will write that down.", ()),
        ],
    },
    "tune-injuries": {
        "voices": {"O": "espeak:en-gb-x-gbclan:155", "V": "espeak:en-gb+f4:145"},
        "conditions": ["room", "pink5"],
        "lines": [
            ("O", "Has anybody been hurt here tonight?", ()),
            ("V", "I've got [bruises] all over my arms.", ("injury",)),
            ("V", "He [punched] me in the face and my lip is [bleeding].", ("injury",)),
            ("O", "Okay, an ambulance is on its way to you now.", ()),
            ("V", "I'm four months [pregnant].", ("pregnancy",)),
            ("V", "He [kicked] me in the stomach.", ("injury",)),
            ("O", "Let's throw that old coat over you, you're shivering.", ()),
        ],
    },
    "tune-history": {
        "voices": {"O": "piper:joe", "V": "espeak:en-gb+f2:150"},
        "conditions": ["room", "distance+pink10"],
        "lines": [
            ("O", "How long have you two been together?", ()),
            ("V", "It's [getting worse] every week.", ("escalation",)),
            ("V", "I told him I'm [leaving him].", ("separation",)),
            ("O", "And where were the children when this started?", ("children",)),
            ("V", "The [children] were upstairs the whole time.", ("children",)),
            ("V", "I'm [terrified] of what he'll do next.", ("fear",)),
            ("O", "We'll give you the number for the local support service.", ()),
        ],
    },
    "tune-ordinary": {
        "voices": {"O": "espeak:en-gb:160", "V": "espeak:en-us+f3:150", "B": "piper:joe"},
        "conditions": ["room", "distance+babble10"],
        "lines": [
            ("O", "We've had a call from one of your neighbours about the noise.", ()),
            ("V", "We were only watching the football on the telly.", ()),
            ("B", "I live at number twelve, across the road.", ()),
            ("O", "Is there anyone else in the property with you?", ()),
            ("V", "Just me and the dog, he's asleep in the kitchen.", ()),
            ("O", "Can I take a contact number for you?", ()),
            ("B", "The strangers next door were shouting at the taxi driver.", ()),
            ("O", "Okay. Keep the noise down tonight, please.", ()),
            ("V", "Yes, sorry officer, it won't happen again.", ()),
        ],
    },
    "tune-choking": {
        "voices": {"O": "espeak:en-gb-x-rp:155", "V": "espeak:en-us+f2:140", "S": "espeak:en-gb+m3:150"},
        "conditions": ["room", "clatter5"],
        "lines": [
            ("S", "Nothing happened, she's making it all up.", ()),
            ("O", "I need you to stay in this room for me.", ()),
            ("V", "He was [choking] me against the wall.", ("strangulation",)),
            ("V", "He put his hands round my [neck] and squeezed.", ("strangulation",)),
            ("O", "Did you lose consciousness at any point?", ()),
            ("V", "He said next time I'd end up [dead].", ("threat-to-kill",)),
            ("O", "Alright. We're going to arrest him now.", ()),
        ],
    },
    "tune-street": {
        # Long stretches with no speech (walking to the car, traffic, wind): where a model
        # with no voice-activity filter may invent words.
        "voices": {"O": "espeak:en-gb:160", "V": "espeak:en-us+f3:150"},
        "conditions": ["room+babble15", "distance+wind10"],
        "gaps": [8.0, 20.0],
        "lines": [
            ("O", "Right, we're heading back to the car now.", ()),
            ("V", "Have you got everything you need from me?", ()),
            ("O", "Control, we're clear from the address.", ()),
            ("O", "Show us available for the next job.", ()),
            ("V", "Thanks for coming out so quickly.", ()),
        ],
    },
    "tune-real": {
        # Real speech, none of it a risk factor (false insertions): Codec2's reference
        # recordings and ALSA's speaker-test voice, from Debian packages (asr_set.real_source).
        "voices": {"C1": "real:codec2/hts1a", "C2": "real:codec2/mmt1", "C3": "real:codec2/forig",
                   "C4": "real:codec2/vk5qi", "A1": "real:alsa/Front_Center", "A2": "real:alsa/Front_Left",
                   "A3": "real:alsa/Front_Right"},
        "conditions": ["clean", "distance+pink10"],
        "lines": [
            ("C1", "The Navy attacked the big task force.", ()),
            ("A1", "Front center.", ()),
            ("C2", "It's easy to tell the depth of a well.", ()),
            ("A2", "Front left.", ()),
            ("C3", "Don't throw trash on the street.", ()),
            ("A3", "Front right.", ()),
            ("C4", "This is Victor Kilo Five Quebec India, Victor Kilo Five Quebec India, testing one two three "
                   "four five, five four three two one.", ()),
        ],
    },
}

# -- held out (never tuned on) ------------------------------------------------------------------
HISTORY_LINES = [
    ("O", "Can you show me where you were hurt?", ()),
    ("V", "My face is all [swollen] where he [hit] me.", ("injury",)),
    ("V", "I'm [frightened] he'll find out where I'm staying.", ("fear",)),
    ("O", "Is he your partner at the moment?", ()),
    ("V", "We [split up] three weeks ago.", ("separation",)),
    ("V", "And I'm [pregnant] with his baby.", ("pregnancy",)),
    ("V", "My [son] saw the whole thing from the stairs.", ("children",)),
    ("V", "He's never been this [violent] before.", ("escalation",)),
    ("V", "He threatened to [stab] me.", ("weapon",)),
]

HELDOUT = {
    "heldout-choked": {
        "voices": {"O": "espeak:en-gb-scotland:155", "V": "hibari:heart"},
        "condition": "distance+pink15",
        "lines": [
            ("O", "Hello, it's the police. Is everything alright in there?", ()),
            ("V", "No. He [choked] me on the sofa.", ("strangulation",)),
            ("O", "Take your time. What happened after that?", ()),
            ("V", "He kept squeezing my [neck] with both hands.", ("strangulation",)),
            ("O", "Did he say anything to you while he was doing it?", ()),
            ("V", "He told me he was going to [kill] me.", ("threat-to-kill",)),
            ("V", "Then he went and got a [hammer] from the shed.", ("weapon",)),
            ("O", "Okay. My colleague is going to stay here with you.", ()),
        ],
    },
    "heldout-history": {
        "voices": {"O": "espeak:en-gb-x-rp+f4:160", "V": "hibari:heart"},
        "condition": "room+clatter10",
        "lines": HISTORY_LINES,
    },
    "heldout-accent": {
        # The same lines in espeak's West Midlands voice, which tiny.en mishears even with no
        # noise at all: measured and reported, not a pass/fail test of the suggestions.
        "voices": {"O": "hibari:heart", "V": "espeak:en-gb-x-gbcwmd+f2:145"},
        "condition": "room+clatter10",
        "lines": HISTORY_LINES,
    },
    "heldout-none": {
        # No disclosure at all: ordinary talk, words that sound like risk words, and real
        # speech (Codec2's reference recordings, ALSA's speaker-test voice).
        "voices": {"O": "espeak:en-gb-scotland:155", "V": "hibari:heart", "S": "espeak:en-gb-x-gbcwmd:150",
                   "C1": "real:codec2/hts2a", "C2": "real:codec2/morig", "C3": "real:codec2/big_dog",
                   "C4": "real:codec2/cross", "A1": "real:alsa/Rear_Center", "A2": "real:alsa/Side_Left"},
        "condition": "distance+pink15",
        "lines": [
            ("O", "Good evening. We're just checking everybody is okay.", ()),
            ("V", "We're fine, thanks. We had friends round for dinner.", ()),
            ("S", "Sorry about the music, we'll turn it down.", ()),
            ("O", "No problem. Could you throw the bolt on the gate for me?", ()),
            ("V", "He strolled home from the pub at about ten.", ()),
            ("C1", "These days a chicken leg is a rare dish.", ()),
            ("A1", "Rear center.", ()),
            ("C2", "That frog jumped through the weeds.", ()),
            ("C3", "The big dog loved to chew on the old rag doll.", ()),
            ("A2", "Side left.", ()),
            ("C4", "They took the cross town bus.", ()),
            ("O", "Lovely. Have a good night, both of you.", ()),
        ],
    },
}

# Sentences mumbled by the crowd in "babble" noise (never a risk word).
BABBLE = [
    "I'll get the next round in if you want another one.",
    "The bus was late again this morning, it always is.",
    "Did you see the match on Saturday afternoon?",
    "She said the shop on the corner is closing down.",
    "We could go to the seaside if the weather holds.",
    "My brother is painting the kitchen this weekend.",
    "They moved the meeting to Thursday at three.",
    "Put the kettle on, I'm gasping for a cup of tea.",
]
BABBLE_VOICES = ["espeak:en-gb+m4:170", "espeak:en-us+f4:160", "espeak:en-gb-x-rp+f1:175",
                 "espeak:en-029:165", "espeak:en-gb-x-gbclan+m2:155"]
