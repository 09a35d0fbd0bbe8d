import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { appDb, currentActor } from "@/lib/auth/current";
import { needsFirstAdmin } from "@/lib/staff/first-admin";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const NOTICES: Record<string, string> = {
  ended: "Your session has ended. Sign in again to continue.",
  "signed-out": "You have signed out.",
};

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  // A database without any staff account has nobody to sign in: the first admin is made at /setup.
  if (await needsFirstAdmin(await appDb())) redirect("/setup");
  if (await currentActor()) redirect(callbackUrl);
  const notice = typeof params.notice === "string" ? (NOTICES[params.notice] ?? null) : null;
  return (
    <main className="relative flex min-h-screen items-center justify-center px-4">
      <div className="absolute top-4 right-4">
        <ThemeToggle />
      </div>
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <p className="text-2xl font-semibold tracking-tight">Paydesk</p>
          <p className="mt-1 text-sm text-muted-foreground">Payments and subscriptions back office</p>
        </div>
        <div className="rounded-xl border bg-card p-6 text-card-foreground shadow-sm">
          <h1 className="mb-4 text-lg font-medium">Sign in</h1>
          <LoginForm callbackUrl={callbackUrl} notice={notice} />
        </div>
      </div>
    </main>
  );
}
