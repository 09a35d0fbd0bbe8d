import Link from "next/link";
import { Button } from "@/components/ui/button";

export default function NotFound() {
  return (
    <main className="flex min-h-[60vh] flex-col items-center justify-center gap-3 px-4 text-center">
      <p className="text-sm font-medium text-muted-foreground">404</p>
      <h1 className="text-xl font-semibold">Nothing here</h1>
      <p className="max-w-md text-sm text-muted-foreground">
        The page or record you asked for does not exist.
      </p>
      <Button asChild variant="outline">
        <Link href="/payments">Back to payments</Link>
      </Button>
    </main>
  );
}
