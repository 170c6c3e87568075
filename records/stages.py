"""Pipeline stages per work stream, as data: key, label, words users may type, and the usual days spent there.

Two streams (see DOMAIN.md): innovation / prevention partnerships and survivor employment. Both share the
side states `paused` and `closed`. The usual days drive stalled-partner detection in the pipeline; they are
rough norms for a partnership that takes about a year from first contact to a signed agreement.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from storage.schema import STREAMS


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    usual_days: int | None  # None: never "over time" (paused, closed)
    aliases: tuple[str, ...] = ()
    active: bool = True      # False for paused / closed: not part of the forward path


_INNOVATION = (
    Stage("landscape", "Landscape assessment", 60, ("landscape assessment", "mapping companies", "assessment", "scan")),
    Stage("first_meetings", "First meetings", 60, ("first meeting", "meetings", "intro", "introduction", "first contact")),
    Stage("due_diligence", "Due diligence", 45, ("dd", "diligence", "due-diligence")),
    Stage("concept_note", "Concept note", 45, ("concept", "cn", "concept-note", "proposal")),
    Stage("negotiation", "Negotiation", 90, ("negotiating", "negotiations", "nego")),
    Stage("agreement", "Agreement signed", 60, ("signed", "agreement signed", "mou", "contract")),
    Stage("co_creation", "Co-creation / implementation", 365,
          ("co creation", "cocreation", "co-creation", "implementation", "pilot")),
)
_SURVIVOR = (
    Stage("mapping", "Private-sector mapping", 60, ("private sector mapping", "country mapping", "map")),
    Stage("government", "Government engagement", 60, ("gov", "govt", "ministry", "government engagement")),
    Stage("company_talks", "Talks with companies", 60, ("company talks", "companies", "talks", "company discussions")),
    Stage("candidates", "Identifying candidates", 45, ("candidate", "identifying candidates", "survivors identified")),
    Stage("training_placement", "Training and placement", 90,
          ("training", "placement", "training and placement", "training & placement")),
    Stage("post_placement_support", "Support after placement", 365,
          ("post placement", "post-placement", "support", "aftercare", "follow up", "follow-up")),
)
_SIDE = (
    Stage("paused", "Paused", None, ("pause", "on hold", "hold", "dormant"), active=False),
    Stage("closed", "Closed", None, ("close", "ended", "dropped", "lost", "declined"), active=False),
)

PIPELINES: dict[str, tuple[Stage, ...]] = {
    "innovation": _INNOVATION + _SIDE,
    "survivor_employment": _SURVIVOR + _SIDE,
}
assert set(PIPELINES) == set(STREAMS)

STREAM_LABELS = {"innovation": "Innovation / prevention", "survivor_employment": "Survivor employment"}
STREAM_ALIASES = {
    "innovation": "innovation", "prevention": "innovation", "innov": "innovation", "inno": "innovation",
    "survivor_employment": "survivor_employment", "survivor employment": "survivor_employment",
    "survivor": "survivor_employment", "survivors": "survivor_employment", "employment": "survivor_employment",
    "se": "survivor_employment", "jobs": "survivor_employment",
}


class StageError(ValueError):
    """A stage or stream the user typed that we do not know; the message lists what is allowed."""


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def stages(stream: str) -> tuple[Stage, ...]:
    return PIPELINES[stream]


def first_stage(stream: str) -> str:
    """The stage of a newly added partner."""
    return PIPELINES[stream][0].key


def get(key: str, stream: str | None = None) -> Stage | None:
    """The stage with this key (in `stream` if given, else in any stream)."""
    for s_name, pipeline in PIPELINES.items():
        if stream is not None and s_name != stream:
            continue
        for st in pipeline:
            if st.key == key:
                return st
    return None


def label(key: str) -> str:
    st = get(key)
    return st.label if st else key.replace("_", " ")


def usual_days(key: str, stream: str) -> int | None:
    st = get(key, stream)
    return st.usual_days if st else None


def find(text: str, stream: str | None = None) -> Stage | None:
    """The stage a user means by `text` (key, label or alias; case, dashes and underscores ignored)."""
    want = norm(text)
    if not want:
        return None
    for s_name, pipeline in PIPELINES.items():
        if stream is not None and s_name != stream:
            continue
        for st in pipeline:
            if want in {norm(st.key), norm(st.label), *(norm(a) for a in st.aliases)}:
                return st
    return None


def resolve(text: str, stream: str) -> Stage:
    """Like find(), limited to the partner's stream; raises StageError with the allowed stages."""
    st = find(text, stream)
    if st is not None:
        return st
    other = find(text)
    allowed = labels(stream)
    if other is not None:
        raise StageError(f"“{other.label}” is a stage of the other work stream; this partner is in "
                         f"{STREAM_LABELS[stream]}. Its stages are: {allowed}.")
    raise StageError(f"I don't know the stage “{text.strip()}”. Stages for {STREAM_LABELS[stream]}: {allowed}.")


# What a logged contact suggests about the stage: the ONE place stage advice comes from (log replies, forms).
ADVICE_AFTER = {"agreement": {"innovation": "agreement"}}  # an agreement logged → "Agreement signed"


def advice_after(kind: str, stream: str, current: str) -> Stage | None:
    """The stage a logged contact of `kind` suggests moving to, when the partner is not there or past it yet."""
    key = ADVICE_AFTER.get(kind, {}).get(stream)
    pipeline = [st for st in PIPELINES.get(stream, ()) if st.active]
    keys = [st.key for st in pipeline]
    if key is None or key not in keys:
        return None
    if current in keys and keys.index(current) >= keys.index(key):
        return None
    if current not in keys:  # paused or closed: no advice
        return None
    return pipeline[keys.index(key)]


def labels(stream: str) -> str:
    """“Landscape assessment, First meetings, …” — a stream's stages as people write them."""
    return ", ".join(st.label for st in PIPELINES[stream])


def all_stage_words() -> list[str]:
    """Every word or phrase that names a stage, longest first (used to split `stage NAME STAGE`)."""
    words = set()
    for pipeline in PIPELINES.values():
        for st in pipeline:
            words |= {norm(st.key), norm(st.label), *(norm(a) for a in st.aliases)}
    return sorted(words, key=lambda w: (-len(w.split()), -len(w)))


def find_stream(text: str) -> str | None:
    return STREAM_ALIASES.get(norm(text).replace(" ", "_")) or STREAM_ALIASES.get(norm(text))


def resolve_stream(text: str) -> str:
    s = find_stream(text)
    if s is None:
        raise StageError(f"I don't know the work stream “{text.strip()}”. Use `innovation` or `survivor` "
                         "(survivor employment).")
    return s
