import type { FilterDeclaration } from "@/components/data-table/list-toolbar";
import type { AuditActorChoice } from "@/lib/audit/list";
import type { AuditListQuery } from "@/lib/validation/audit-list";
import { canonicalActor, canonicalEntityId, canonicalTimeBound } from "@/lib/validation/audit-list-options";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The server's own rules judge a typed value: what it would drop is refused at the field, with a
 * reason, and what it keeps goes to the URL in its canonical form.
 */
function parsedBy(canonical: (raw: string) => string | null) {
  return (raw: string) => canonical(raw) ?? undefined;
}

/**
 * A day picker; a bound given as an exact time (from a shared link or the CLI) stays an exact
 * time in a text field instead of being cut to its day.
 */
function timeFilter(name: "from" | "to", label: string, value: string | null): FilterDeclaration {
  const exact = value !== null && !DAY.test(value);
  return {
    kind: "field",
    param: name,
    id: `audit-${name}`,
    label,
    value,
    type: exact ? "text" : "date",
    placeholder: exact ? "YYYY-MM-DDTHH:MM:SSZ" : undefined,
    className: exact ? "w-56 font-mono text-xs" : "w-36",
    normalize: parsedBy(canonicalTimeBound),
    invalidHint: "Enter a day (YYYY-MM-DD) or an ISO time.",
  };
}

/** The audit log's filters; `showActor` is off for readers who only see their own entries. */
export function auditFilters(
  query: AuditListQuery,
  choices: {
    actions: readonly string[];
    entityTypes: readonly string[];
    actors: readonly AuditActorChoice[];
  },
  { showActor }: { showActor: boolean },
): FilterDeclaration[] {
  // A filter from a link may name an action or type the log does not hold (yet): keep it choosable.
  const actions = [...new Set([...choices.actions, ...query.action])].sort();
  const types = [
    ...new Set([...choices.entityTypes, ...(query.entityType ? [query.entityType] : [])]),
  ].sort();
  return [
    timeFilter("from", "Occurred from", query.from),
    timeFilter("to", "Occurred to", query.to),
    ...(showActor
      ? [
          {
            kind: "field",
            param: "actor",
            id: "audit-actor",
            label: "Actor",
            value: query.actor,
            placeholder: "Email, staff id or system:…",
            className: "w-56",
            choices: choices.actors,
            normalize: parsedBy(canonicalActor),
            invalidHint: "Enter an email, a staff id or a system actor (system:stripe).",
          } satisfies FilterDeclaration,
        ]
      : []),
    {
      kind: "field",
      param: "entityId",
      id: "audit-entityId",
      label: "Entity id",
      value: query.entityId,
      placeholder: "Payment id, customer id…",
      className: "w-64",
      normalize: parsedBy(canonicalEntityId),
      invalidHint: "Up to 200 characters of plain text.",
    },
    {
      kind: "select",
      param: "entityType",
      id: "audit-entity-type",
      label: "Entity type",
      anyLabel: "Any",
      options: types.map((t) => ({ value: t, label: t })),
      value: query.entityType,
    },
    {
      kind: "facet",
      param: "action",
      label: "Action",
      options: actions.map((a) => ({ value: a, label: a })),
      selected: query.action,
      mono: true,
      emptyText: "No actions recorded yet.",
      testId: "audit-action-filter",
    },
  ];
}
