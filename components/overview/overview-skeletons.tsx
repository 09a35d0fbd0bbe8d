import { Card, CardContent, CardHeader } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";

function CardSkeleton({ className, lines, tall }: { className?: string; lines: number; tall?: boolean }) {
  return (
    <Card className={className}>
      <CardHeader>
        <Skeleton className="h-5 w-40" />
        <Skeleton className="h-4 w-3/4" />
      </CardHeader>
      <CardContent className="space-y-2">
        {tall ? <Skeleton className="h-64 w-full" /> : null}
        {Array.from({ length: lines }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
          <Skeleton key={i} className="h-7 w-full" />
        ))}
      </CardContent>
    </Card>
  );
}

export function FiguresSkeleton() {
  return (
    <div className="space-y-4" role="status" aria-busy="true" aria-label="Loading this month's figures">
      <div className="grid gap-4 md:grid-cols-3 xl:grid-cols-5">
        {[0, 1, 2, 3, 4].map((i) => (
          <Card key={i} className="gap-2">
            <CardHeader>
              <Skeleton className="h-4 w-32" />
            </CardHeader>
            <CardContent className="space-y-2">
              <Skeleton className="h-9 w-20" />
              <Skeleton className="h-4 w-full" />
            </CardContent>
          </Card>
        ))}
      </div>
      <div className="grid gap-4 lg:grid-cols-5">
        <CardSkeleton className="lg:col-span-3" lines={4} />
        <CardSkeleton className="lg:col-span-2" lines={7} />
      </div>
    </div>
  );
}

export function ChartSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading the revenue chart">
      <CardSkeleton lines={0} tall />
    </div>
  );
}

export function ManualChangesSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading the latest manual changes">
      <CardSkeleton lines={5} />
    </div>
  );
}
