import type { StaffRole } from "@/db/schema/enums";
import { type Permission, roleCan } from "./permissions";

export interface NavItem {
  href: string;
  label: string;
  permission: Permission;
}

/** The sections of the app, each shown only to roles that may use it. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Overview", permission: "payment.view" },
  { href: "/payments", label: "Payments", permission: "payment.view" },
  { href: "/customers", label: "Customers", permission: "customer.view" },
  { href: "/review", label: "Review", permission: "review.view" },
  { href: "/webhooks", label: "Webhooks", permission: "webhook.view" },
  { href: "/audit", label: "Audit log", permission: "audit.view_own" },
  { href: "/staff", label: "Staff", permission: "staff.manage" },
  { href: "/settings/webhooks", label: "Outbound webhooks", permission: "endpoint.manage" },
  { href: "/settings/api-keys", label: "API keys", permission: "api_key.manage" },
];

export function navFor(role: StaffRole): NavItem[] {
  return NAV_ITEMS.filter((item) => roleCan(role, item.permission));
}
