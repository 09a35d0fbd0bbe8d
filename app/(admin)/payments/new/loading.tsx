import { Skeleton } from "@/components/ui/skeleton";

export default function Loading() {
  return (
    <div className="mx-auto max-w-5xl space-y-4" role="status" aria-busy="true" aria-label="Loading form">
      <Skeleton className="h-7 w-48" />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Skeleton className="h-[32rem] w-full" />
        <Skeleton className="h-32 w-full" />
      </div>
    </div>
  );
}
