import type { StaffRole } from "@/db/schema/enums";
import { type Permission, roleCan } from "./permissions";

export interface NavItem {
  href: string;
  label: string;
  permission: Permission;
  /** The path prefix that marks this item current, when it is wider than `href` (a section). */
  section?: string;
}

/** The sections of the app, each shown only to roles that may use it. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Overview", permission: "payment.view" },
  { href: "/payments", label: "Payments", permission: "payment.view" },
  { href: "/customers", label: "Customers", permission: "customer.view" },
  { href: "/review", label: "Review", permission: "review.view" },
  { href: "/webhooks", label: "Webhooks", permission: "webhook.view" },
  { href: "/audit", label: "Audit log", permission: "audit.view_own" },
  { href: "/approvals", label: "Approvals", permission: "approval.view" },
  { href: "/staff", label: "Staff", permission: "staff.manage" },
  { href: "/settings/webhooks", label: "Settings", permission: "endpoint.manage", section: "/settings" },
];

/** The tabs of /settings, each shown only to roles that may use it. */
export const SETTINGS_ITEMS: readonly NavItem[] = [
  { href: "/settings/webhooks", label: "Outbound webhooks", permission: "endpoint.manage" },
  { href: "/settings/api-keys", label: "API keys", permission: "api_key.manage" },
  { href: "/settings/approvals", label: "Approvals", permission: "approval_rule.manage" },
  { href: "/settings/security", label: "Security", permission: "security.manage" },
];

export function settingsNavFor(role: StaffRole): NavItem[] {
  return SETTINGS_ITEMS.filter((item) => roleCan(role, item.permission));
}

export function navFor(role: StaffRole): NavItem[] {
  return NAV_ITEMS.filter((item) => roleCan(role, item.permission));
}
