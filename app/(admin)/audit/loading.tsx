import { Skeleton } from "@/components/ui/skeleton";

export default function Loading() {
  return (
    <div className="space-y-4" role="status" aria-busy="true" aria-label="Loading the audit log">
      <div className="space-y-2">
        <Skeleton className="h-7 w-32" />
        <Skeleton className="h-4 w-96 max-w-full" />
      </div>
      <div className="flex flex-wrap items-end gap-2">
        {["w-36", "w-36", "w-60", "w-72", "w-36", "w-24"].map((w, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
          <Skeleton key={i} className={`h-8 ${w}`} />
        ))}
      </div>
      <div className="space-y-2 rounded-lg border p-3">
        {Array.from({ length: 10 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
          <Skeleton key={i} className="h-10 w-full" />
        ))}
      </div>
    </div>
  );
}
