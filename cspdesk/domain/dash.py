"""The DASH risk checklist's 24 questions, in their order, as the form shows them.

Paraphrased from the topics of the SafeLives Dash risk checklist (RESEARCH.md §3); the official
wording is SafeLives' own and is not reproduced. Answers are stored against ``q01`` … ``q24``
(:func:`cspdesk.domain.rules.dash_item`), so the wording here can change without touching data.
"""

from __future__ import annotations

DASH_QUESTIONS: tuple[str, ...] = (
    "Has the current incident resulted in injury?",
    "Is the victim very frightened?",
    "Is the victim afraid of further injury or violence (and of whom)?",
    "Does the victim feel isolated from family or friends?",
    "Is the victim feeling depressed or having suicidal thoughts?",
    "Has the victim separated, or tried to separate, in the past year?",
    "Is there conflict over child contact?",
    "Does the abuser constantly text, call, follow, stalk or harass the victim?",
    "Is the victim pregnant, or have they had a baby in the last 18 months?",
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Does the abuser try to control everything the victim does, or are they excessively jealous?",
    "Has the abuser used weapons or objects to hurt the victim?",
    "Has the abuser threatened to kill the victim or someone else, and did the victim believe it?",
    "Has the abuser attempted to strangle, choke, suffocate or drown the victim?",
    "Does the abuser do or say things of a sexual nature that make the victim feel bad or hurt them?",
    "Is there another person who has threatened the victim, or whom the victim is afraid of?",
    "Does the victim know if the abuser has hurt anyone else (children, family, other partners, others)?",
    "Has the abuser ever mistreated an animal or the family pet?",
    "Are there financial issues, or is the victim dependent on the abuser for money?",
    "Has the abuser had problems with drugs, alcohol or mental health in the past year?",
    "Has the abuser ever threatened or attempted suicide?",
    "Has the abuser breached bail, an injunction or any agreement about contact?",
    "Does the victim know if the abuser has been in trouble with the police or has a criminal history?",
)
