import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { appDb } from "@/lib/auth/current";
import { needsFirstAdmin } from "@/lib/staff/first-admin";
import { SetupForm } from "./setup-form";

export const metadata: Metadata = { title: "Set up Paydesk" };
export const dynamic = "force-dynamic";

/**
 * The first-run page: open only while the database has no staff account at all. Once the
 * first admin exists it is gone (404), whoever asks.
 */
export default async function SetupPage() {
  if (!(await needsFirstAdmin(await appDb()))) notFound();
  return (
    <main className="relative flex min-h-screen items-center justify-center px-4 py-10">
      <div className="absolute top-4 right-4">
        <ThemeToggle />
      </div>
      <div className="w-full max-w-md">
        <div className="mb-8 text-center">
          <p className="text-2xl font-semibold tracking-tight">Paydesk</p>
          <p className="mt-1 text-sm text-muted-foreground">First run</p>
        </div>
        <div className="rounded-xl border bg-card p-6 text-card-foreground shadow-sm">
          <h1 className="text-lg font-medium">Create the first admin</h1>
          <p className="mt-1 mb-4 text-sm text-muted-foreground">
            This database has no staff accounts yet. The account you create here manages everything else.
            Next, you will set up two-factor sign-in with an authenticator app.
          </p>
          <SetupForm />
        </div>
      </div>
    </main>
  );
}
