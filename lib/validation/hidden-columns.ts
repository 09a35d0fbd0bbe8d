/**
 * The columns a list hides, from the URL's `hide=a,b`. Without the param the list's defaults
 * apply; an empty `hide=` shows every column. Unknown ids are harmless: no column has them.
 */
export function hiddenColumns(
  params: Record<string, string | string[] | undefined>,
  defaults: readonly string[],
): string[] {
  const hide = params.hide;
  if (typeof hide !== "string") return [...defaults];
  return hide.split(",").filter(Boolean);
}
