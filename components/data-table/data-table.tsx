"use client";

import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  type SortingState,
  useReactTable,
  type VisibilityState,
} from "@tanstack/react-table";
import { ArrowDown, ArrowUp, ArrowUpDown } from "lucide-react";
import { useRouter } from "next/navigation";
import { Fragment, type ReactNode } from "react";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/utils";

export interface DataTableProps<T> {
  // biome-ignore lint/suspicious/noExplicitAny: column value types differ per column
  columns: ColumnDef<T, any>[];
  data: T[];
  getRowId: (row: T) => string;
  /** The server's sort; the table never sorts rows itself. */
  sorting?: SortingState;
  onSortingChange?: (columnId: string) => void;
  columnVisibility?: VisibilityState;
  rowHref?: (row: T) => string;
  empty: ReactNode;
  pending?: boolean;
  /** The table's accessible name, or the id of the heading that names it. */
  label?: string;
  labelledBy?: string;
  /** Drawn in its own bordered card (default); off inside a card that already frames it. */
  framed?: boolean;
  /**
   * Content shown in a full-width row under a row (an expanded detail), or null for none.
   * The page owns which rows are expanded; the row's own disclosure button controls it.
   */
  renderDetail?: (row: T) => ReactNode;
  /** The detail row's id, for the disclosure button's `aria-controls`. */
  detailId?: (row: T) => string;
  /** A row's own test id and data attributes (default `data-testid="table-row"`). */
  rowAttributes?: (row: T) => Record<`data-${string}`, string>;
  testId?: string;
}

const NO_SORTING: SortingState = [];
const ALL_VISIBLE: VisibilityState = {};

interface ColumnMeta {
  align?: "right";
  /** Classes of the column's body cells (top-aligned, wrapping text). */
  cellClassName?: string;
  /** The column names its row: a row header (`<th scope="row">`) for assistive technology. */
  rowHeader?: boolean;
  /** Classes of the column's header cell (a narrow disclosure column). */
  headerClassName?: string;
}

/**
 * The one generic server-driven table: rows, sorting and visibility come from the URL
 * through the page; clicking a sortable header asks the page to change the URL.
 */
export function DataTable<T>({
  columns,
  data,
  getRowId,
  sorting = NO_SORTING,
  onSortingChange,
  columnVisibility = ALL_VISIBLE,
  rowHref,
  empty,
  pending,
  label,
  labelledBy,
  framed = true,
  renderDetail,
  detailId,
  rowAttributes,
  testId,
}: DataTableProps<T>) {
  const router = useRouter();
  const table = useReactTable({
    data,
    columns,
    getRowId,
    state: { sorting, columnVisibility },
    manualSorting: true,
    manualPagination: true,
    manualFiltering: true,
    getCoreRowModel: getCoreRowModel(),
  });
  const visible = table.getVisibleLeafColumns().length;

  return (
    <div
      className={cn(framed && "rounded-lg border bg-card", "transition-opacity", pending && "opacity-60")}
      aria-busy={pending || undefined}
    >
      <Table aria-label={label} aria-labelledby={labelledBy} data-testid={testId}>
        <TableHeader>
          {table.getHeaderGroups().map((group) => (
            <TableRow key={group.id} className="hover:bg-transparent">
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                // Sorting is the server's: a column opts in with `enableSorting: true`. TanStack's
                // getCanSort() also requires an accessor, which display-only columns do not have.
                const canSort = header.column.columnDef.enableSorting === true;
                const meta = header.column.columnDef.meta as ColumnMeta | undefined;
                const align = meta?.align;
                return (
                  <TableHead
                    key={header.id}
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                    className={cn(align === "right" && "text-right", meta?.headerClassName)}
                  >
                    {header.isPlaceholder ? null : canSort ? (
                      <button
                        type="button"
                        onClick={() => onSortingChange?.(header.column.id)}
                        className={cn(
                          "-mx-2 inline-flex items-center gap-1 rounded px-2 py-1 hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                          align === "right" && "flex-row-reverse",
                        )}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        {sorted === "asc" ? (
                          <ArrowUp className="size-3.5" aria-hidden />
                        ) : sorted === "desc" ? (
                          <ArrowDown className="size-3.5" aria-hidden />
                        ) : (
                          <ArrowUpDown className="size-3.5 opacity-50" aria-hidden />
                        )}
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </TableHead>
                );
              })}
            </TableRow>
          ))}
        </TableHeader>
        <TableBody>
          {table.getRowModel().rows.length === 0 ? (
            <TableRow className="hover:bg-transparent">
              <TableCell colSpan={visible} className="whitespace-normal p-0">
                {empty}
              </TableCell>
            </TableRow>
          ) : (
            table.getRowModel().rows.map((row) => {
              const href = rowHref?.(row.original);
              const detail = renderDetail?.(row.original);
              return (
                <Fragment key={row.id}>
                  <TableRow
                    data-testid="table-row"
                    {...rowAttributes?.(row.original)}
                    className={cn(href && "cursor-pointer")}
                    onClick={(event) => {
                      // Links and buttons inside the row handle their own clicks.
                      if (!href || (event.target as HTMLElement).closest("a,button")) return;
                      router.push(href);
                    }}
                  >
                    {row.getVisibleCells().map((cell) => {
                      const meta = cell.column.columnDef.meta as ColumnMeta | undefined;
                      const className = cn(
                        meta?.align === "right" && "text-right tabular-nums",
                        meta?.cellClassName,
                      );
                      const content = flexRender(cell.column.columnDef.cell, cell.getContext());
                      return meta?.rowHeader ? (
                        <th
                          key={cell.id}
                          scope="row"
                          className={cn(
                            "whitespace-nowrap px-3 py-2 text-left align-middle font-normal",
                            className,
                          )}
                        >
                          {content}
                        </th>
                      ) : (
                        <TableCell key={cell.id} className={className}>
                          {content}
                        </TableCell>
                      );
                    })}
                  </TableRow>
                  {detail ? (
                    <TableRow
                      id={detailId?.(row.original)}
                      data-testid="table-row-detail"
                      className="bg-muted/30 hover:bg-muted/30"
                    >
                      <TableCell colSpan={visible} className="p-0">
                        {detail}
                      </TableCell>
                    </TableRow>
                  ) : null}
                </Fragment>
              );
            })
          )}
        </TableBody>
      </Table>
    </div>
  );
}
