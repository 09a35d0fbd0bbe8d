import Link from "next/link";
import { Button } from "@/components/ui/button";

// Shown inside the signed-in shell, whose <main> already holds it: a second main landmark
// would nest (axe landmark-main-is-top-level, landmark-no-duplicate-main).
export default function Forbidden() {
  return (
    <div className="flex min-h-[60vh] flex-col items-center justify-center gap-3 px-4 text-center">
      <p className="text-sm font-medium text-muted-foreground">403</p>
      <h1 className="text-xl font-semibold">You do not have access to this page</h1>
      <p className="max-w-md text-sm text-muted-foreground">
        Your role does not include this part of Paydesk. Ask an administrator if you need it.
      </p>
      <Button asChild variant="outline">
        <Link href="/payments">Back to payments</Link>
      </Button>
    </div>
  );
}
