import { type DomainEventType, EVENT_TYPES } from "@/lib/events/catalogue";

const GROUP_LABELS: Record<string, string> = {
  payment: "Payments",
  subscription: "Subscriptions",
  customer: "Customers",
};

export interface EventTypeGroup {
  key: string;
  label: string;
  types: DomainEventType[];
}

/** The catalogue grouped by what the events are about (payment.*, subscription.*, …), in catalogue order. */
export const EVENT_TYPE_GROUPS: EventTypeGroup[] = EVENT_TYPES.reduce<EventTypeGroup[]>((groups, type) => {
  const key = type.split(".")[0] ?? type;
  const group = groups.find((g) => g.key === key);
  if (group) group.types.push(type);
  else groups.push({ key, label: GROUP_LABELS[key] ?? key, types: [type] });
  return groups;
}, []);
