"""What a merge moves: every row in any app that points at a customer.

The set is discovered from Django's model registry (every foreign key to Customer, the
tag links included), so an app added later (complaints, returns, follow-ups, reviews)
has its rows moved without registering anything. Only the merge history itself and the
"merged into" pointer stay where they are.

A row that would duplicate one the survivor already has (the same normalised phone or
email, the same address, the same tag, or anything a unique constraint forbids twice)
stays on the merged record and is remembered, so the merge can be undone exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models.fields.reverse_related import ManyToOneRel

from kefu.customers.models import Customer

CHUNK = 1000

# (model label, field name) of the foreign keys to Customer a merge leaves alone.
NOT_MOVED = frozenset(
    {
        ("customers.MergeRecord", "survivor"),
        ("customers.MergeRecord", "merged"),
        ("customers.Customer", "merged_into"),
    }
)

# Rows that are "the same" as one of the survivor's although no constraint says so.
SAME_WHEN_EQUAL = {
    "customers.CustomerPhone": ("normalized",),
    "customers.CustomerEmail": ("normalized",),
    "customers.Address": ("recipient", "country", "region", "city", "line", "postcode"),
}


@dataclass(frozen=True)
class Relation:
    model: type[models.Model]
    field: str  # the foreign key's name on ``model``
    key: str  # how MergeRecord.moved names it
    same_when: tuple[tuple[str, ...], ...]  # field sets that make a row a duplicate
    one_per_customer: bool  # a one-to-one (or unique) link: the survivor keeps its own


def key_of(model: type[models.Model], field: str) -> str:
    label = model._meta.label
    return label if field == "customer" else f"{label}.{field}"


def _unique_sets(model: type[models.Model], field: str) -> list[tuple[str, ...]]:
    """The other fields of each unique rule that includes ``field``."""
    sets: list[tuple[str, ...]] = []
    for together in model._meta.unique_together:
        if field in together:
            sets.append(tuple(f for f in together if f != field))
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is None
            and constraint.fields
            and field in constraint.fields
        ):
            sets.append(tuple(f for f in constraint.fields if f != field))
    return [s for s in sets if s]


def relations() -> list[Relation]:
    """Every foreign key to Customer that a merge moves, in a stable order."""
    out = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ManyToOneRel):  # ForeignKey and OneToOne, tag links too
            continue
        model, field = rel.related_model, rel.field.name
        if (model._meta.label, field) in NOT_MOVED:
            continue
        same = list(_unique_sets(model, field))
        if model._meta.label in SAME_WHEN_EQUAL:
            same.append(SAME_WHEN_EQUAL[model._meta.label])
        # A ManyToMany's "through" table: the link to the same other row is a duplicate.
        out.append(
            Relation(
                model=model,
                field=field,
                key=key_of(model, field),
                same_when=tuple(same),
                one_per_customer=bool(rel.field.unique),
            )
        )
    return sorted(out, key=lambda r: r.key)


def relation_for(key: str) -> Relation | None:
    for relation in relations():
        if relation.key == key:
            return relation
    return None


def _rows(relation: Relation, customer_id: int, fields: list[str]):
    manager = relation.model._base_manager
    return manager.filter(**{f"{relation.field}_id": customer_id}).values_list("pk", *fields)


def plan(relation: Relation, survivor_id: int, merged_id: int) -> tuple[list, list]:
    """(ids to move, ids to leave behind as duplicates) of one relation."""
    fields = sorted({f for group in relation.same_when for f in group})
    theirs = list(_rows(relation, merged_id, fields))
    if not theirs:
        return [], []
    if relation.one_per_customer:
        survivor_has = _rows(relation, survivor_id, []).exists()
        ids = [row[0] for row in theirs]
        return ([], ids) if survivor_has else (ids, [])
    if not fields:
        return [row[0] for row in theirs], []
    index = {f: i + 1 for i, f in enumerate(fields)}
    taken = [
        {tuple(row[index[f]] for f in group) for row in _rows(relation, survivor_id, fields)}
        for group in relation.same_when
    ]
    move, stay = [], []
    for row in theirs:
        keys = [tuple(row[index[f]] for f in group) for group in relation.same_when]
        if any(key in seen for key, seen in zip(keys, taken, strict=True)):
            stay.append(row[0])
            continue
        move.append(row[0])
        for key, seen in zip(keys, taken, strict=True):
            seen.add(key)  # two equal rows on the merged record: only the first moves
    return move, stay


def move(relation: Relation, ids: list[int], *, from_id: int, to_id: int) -> int:
    """Point these rows at ``to_id`` (only those still on ``from_id``); how many moved."""
    manager = relation.model._base_manager
    moved = 0
    for start in range(0, len(ids), CHUNK):
        moved += manager.filter(
            pk__in=ids[start : start + CHUNK], **{f"{relation.field}_id": from_id}
        ).update(**{f"{relation.field}_id": to_id})
    return moved


def model_for(key: str) -> type[models.Model] | None:
    label = key.split(".")[0] + "." + key.split(".")[1]
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None
