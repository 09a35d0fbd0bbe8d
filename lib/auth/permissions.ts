import type { StaffRole } from "@/db/schema/enums";

/**
 * The one permission map. Every server action, route handler and service verb asks it;
 * hiding a button in the UI is a convenience, never the check.
 */
export const permissions = {
  "payment.view": ["admin", "support", "auditor"],
  "payment.create": ["admin"],
  "payment.update": ["admin"],
  "payment.change_status": ["admin"],
  "payment.refund": ["admin"],
  "payment.sync": ["admin"],
  "review.view": ["admin", "support", "auditor"],
  "review.resolve": ["admin"],
  "customer.view": ["admin", "support", "auditor"],
  "customer.create": ["admin"],
  "subscription.view": ["admin", "support", "auditor"],
  "webhook.view": ["admin", "support", "auditor"],
  "webhook.replay": ["admin"],
  "audit.view": ["admin", "auditor"],
  "audit.view_own": ["admin", "support", "auditor"],
  "audit.export": ["admin", "auditor"],
  "staff.manage": ["admin"],
  "staff.change_role": ["admin"],
  "staff.reset_two_factor": ["admin"],
  "security.manage": ["admin"],
  "approval.view": ["admin"],
  "approval.decide": ["admin"],
  "approval_rule.manage": ["admin"],
  "endpoint.manage": ["admin"],
  "api_key.manage": ["admin"],
  "inbound.view": ["admin"],
  "account.change_own_password": ["admin", "support", "auditor"],
  "account.manage_own_two_factor": ["admin", "support", "auditor"],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof permissions;

/** What each permission lets one do, for refusals people read ("… is not allowed to refund payments"). */
export const permissionLabels: Record<Permission, string> = {
  "payment.view": "view payments",
  "payment.create": "create payments",
  "payment.update": "edit payments",
  "payment.change_status": "change the status of payments",
  "payment.refund": "refund payments",
  "payment.sync": "sync payments with their provider, or capture or cancel them through it",
  "review.view": "read the review list",
  "review.resolve": "decide payments held for review",
  "customer.view": "view customers",
  "customer.create": "create customers",
  "subscription.view": "view subscriptions",
  "webhook.view": "view webhook events",
  "webhook.replay": "replay webhook events",
  "audit.view": "view the audit log",
  "audit.view_own": "view their own audit entries",
  "audit.export": "export the audit log",
  "staff.manage": "manage staff accounts",
  "staff.change_role": "change a staff member's role",
  "staff.reset_two_factor": "reset another staff member's second factor",
  "security.manage": "change the sign-in security settings",
  "approval.view": "read approval requests",
  "approval.decide": "approve or reject another admin's request",
  "approval_rule.manage": "edit the approval rules",
  "endpoint.manage": "manage outbound webhook endpoints",
  "api_key.manage": "manage API keys",
  "inbound.view": "read messages consumed from other systems",
  "account.change_own_password": "change their password",
  "account.manage_own_two_factor": "set up their own second factor",
};

export function roleCan(role: StaffRole, permission: Permission): boolean {
  return (permissions[permission] as readonly StaffRole[]).includes(role);
}
